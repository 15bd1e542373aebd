namespace ExternalDb.Server.Adaptors;

/// <summary>How an adaptor call failed.</summary>
internal enum AdaptorFailure
{
    /// <summary>The adaptor answered with an error (<see cref="AdaptorCallException.ErrorCode"/> and the status say which).</summary>
    AdaptorError,
    /// <summary>The adaptor could not be reached (name, connection, TLS, egress policy), or its circuit is open.</summary>
    Unreachable,
    /// <summary>The adaptor did not answer within the call's timeout.</summary>
    Timeout,
    /// <summary>The adaptor answered something that is not the protocol (garbage, too large, broken off, wrong shape).</summary>
    BadAnswer,
    /// <summary>The operation cannot be expressed in the connection's protocol.</summary>
    NotSupported,
}
