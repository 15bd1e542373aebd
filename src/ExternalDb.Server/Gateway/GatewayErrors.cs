namespace ExternalDb.Server.Gateway;

/// <summary>The one place a <see cref="GatewayException"/> becomes the API's error answer: a filter on the gateway's route groups.</summary>
internal sealed class GatewayErrors : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (GatewayException e)
        {
            return e.ToResult();
        }
    }
}
