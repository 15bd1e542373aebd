namespace ExternalDb.Protocol;

/// <summary>The adaptor protocol generations.</summary>
public enum ProtocolVersion
{
    /// <summary>Not known yet: no successful check so far.</summary>
    Unknown,
    /// <summary>Legacy External Database Collections, tree filters.</summary>
    V1,
    /// <summary>Legacy protocol with Mongo-style filters, bulk, aggregate and schema changes.</summary>
    V2,
    /// <summary>The External Database service plugin: JWT-signed bodies under <c>/v3/</c>.</summary>
    V3,
}
