namespace ExternalDb.Adaptor.Schema;

/// <summary>How many indexes a collection may have (besides its primary key), advertised in <c>indexOptions</c>.</summary>
internal static class IndexLimits
{
    /// <summary>Indexes that are not unique.</summary>
    public const int Regular = 10;

    /// <summary>Unique indexes.</summary>
    public const int Unique = 10;

    /// <summary>All indexes.</summary>
    public const int Total = 20;

    /// <summary>Fields of one index.</summary>
    public const int Fields = 10;
}
