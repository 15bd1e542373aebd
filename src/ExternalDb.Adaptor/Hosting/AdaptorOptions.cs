namespace ExternalDb.Adaptor.Hosting;

/// <summary>Settings of the adaptor, bound from the configuration section <c>Adaptor</c>.</summary>
public sealed class AdaptorOptions
{
    /// <summary>The configuration section name: <c>Adaptor</c>.</summary>
    public const string SectionName = "Adaptor";

    /// <summary>The default SQLite connection string, relative to the working directory.</summary>
    public const string DefaultSqliteConnectionString = "Data Source=adaptor.db";

    /// <summary>The SQL engine: <c>sqlite</c> (default), <c>postgres</c> or <c>mysql</c> (MySQL 8 and MariaDB; <c>mariadb</c> is the same).</summary>
    public string Engine { get; set; } = "sqlite";

    /// <summary>The engine's connection string. SQLite defaults to <see cref="DefaultSqliteConnectionString"/>; PostgreSQL and MySQL require one.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The default of <see cref="MaxPoolSize"/>, chosen from measurement (see docs/benchmarks.md).</summary>
    public const int DefaultMaxPoolSize = 16;

    /// <summary>
    /// The most connections the adaptor keeps open to PostgreSQL or MySQL (default <see cref="DefaultMaxPoolSize"/>);
    /// a <c>Maximum Pool Size</c> in <see cref="ConnectionString"/> wins. Requests beyond it wait for a free connection.
    /// </summary>
    public int MaxPoolSize { get; set; } = DefaultMaxPoolSize;

    /// <summary>
    /// The key (base64, at least 32 bytes) that authenticates V3 cursors. Every replica that continues another's cursors
    /// needs the same one. Not set: derived from <see cref="Engine"/>, <see cref="ConnectionString"/>,
    /// <see cref="SecretKey"/>, <see cref="Audience"/> and <see cref="JwtPublicKeys"/>, so replicas configured alike
    /// agree; set it when none of those holds a secret.
    /// </summary>
    public string? CursorKey { get; set; }

    /// <summary>The legacy (V1/V2) shared secret, compared with <c>requestContext.settings.secretKey</c>.</summary>
    public string? SecretKey { get; set; }

    /// <summary>V3 verification keys (PEM or base64 SubjectPublicKeyInfo, EC P-256 or RSA); several allow rotation.</summary>
    public IList<string> JwtPublicKeys { get; set; } = [];

    /// <summary>The expected V3 <c>aud</c> claim (the application id of the connection).</summary>
    public string? Audience { get; set; }

    /// <summary>The expected V3 <c>iss</c> claim; default <c>wix.com</c>.</summary>
    public string Issuer { get; set; } = "wix.com";

    /// <summary>When true, every write and schema change is refused and capabilities say so.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>The largest accepted request body; larger bodies get 413. Default 8 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Which legacy (V1/V2) roles may read and write each collection: collection id (or <c>*</c> for every other
    /// collection) → <see cref="CollectionPermissionOptions"/>. Checked against <c>requestContext.role</c>; reported as
    /// the collection's <c>permissions</c> on V3. Empty (the default): every role may read and write.
    /// </summary>
    public IDictionary<string, CollectionPermissionOptions> Permissions { get; set; } = new Dictionary<string, CollectionPermissionOptions>(StringComparer.Ordinal);

    /// <summary>The engine name, lower case, aliases resolved (<c>mariadb</c> is <c>mysql</c>).</summary>
    internal string EngineName => Sql.SqlEngines.Canonical(Engine) ?? (Engine ?? "").Trim().ToLowerInvariant();

    /// <summary>The connection string to use, with the SQLite default applied.</summary>
    internal string EffectiveConnectionString =>
        !string.IsNullOrWhiteSpace(ConnectionString) ? ConnectionString : EngineName == "sqlite" ? DefaultSqliteConnectionString : "";

    /// <summary>The V3 keys, non-blank entries only.</summary>
    internal IEnumerable<string> ConfiguredKeys => (JwtPublicKeys ?? []).Where(k => !string.IsNullOrWhiteSpace(k));
}

/// <summary>The roles that may read and write one collection (see <see cref="AdaptorOptions.Permissions"/>).</summary>
public sealed class CollectionPermissionOptions
{
    /// <summary>Roles that may read (<c>OWNER</c>, <c>BACKEND_CODE</c>, <c>MEMBER</c>, <c>VISITOR</c>; velo's <c>Admin</c>, <c>Member</c>, <c>Visitor</c>); not set: every role.</summary>
    public IList<string>? Read { get; set; }

    /// <summary>Roles that may write (insert, update, remove, patch, truncate, references, schema and index changes); not set: every role.</summary>
    public IList<string>? Write { get; set; }
}
