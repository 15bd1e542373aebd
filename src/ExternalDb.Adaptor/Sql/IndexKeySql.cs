namespace ExternalDb.Adaptor.Sql;

/// <summary>One key of an index as the engine builds it (see <see cref="SqlDialect.IndexTerm"/>).</summary>
/// <param name="Sql">The column (or a prefix of it) or the expression, without ASC/DESC.</param>
/// <param name="IsExpression">
/// An expression rather than a column: a nested path or text without case. Engines without functional key parts
/// (MariaDB) index it through a generated column.
/// </param>
/// <param name="Descending">Descending order.</param>
internal sealed record IndexKeySql(string Sql, bool IsExpression, bool Descending = false)
{
    /// <summary>The key in an index's column list.</summary>
    public string Term(string sql) => sql + (Descending ? " DESC" : "");
}
