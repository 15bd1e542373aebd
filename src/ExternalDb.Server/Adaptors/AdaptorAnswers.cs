using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors;

/// <summary>Reads adaptor answers into JSON or a classified failure.</summary>
internal static class AdaptorAnswers
{
    private const int MaxAnswerDepth = 128;

    /// <summary>A V3 answer: a 2xx JSON object (an empty body reads as <c>{}</c>), else the adaptor's error.</summary>
    public static JsonObject ReadV3(AdaptorAnswer answer, string path)
    {
        var success = answer.Status is >= 200 and < 300;
        var node = Parse(answer, path, allowEmpty: success);
        if (success)
        {
            return node switch
            {
                null => [],
                JsonObject o => o,
                _ => throw new AdaptorCallException(AdaptorFailure.BadAnswer, $"The adaptor's answer to {path} is not a JSON object.", answer.Status) { Path = path },
            };
        }
        var error = node as JsonObject;
        var code = JsonRead.Text(error?["errorCode"]);
        if (answer.Status is 404 or 405 && code is null)
        {
            // Every V3 error names its errorCode; a 404 or 405 without one is the web server's "no such route" (Wix's own
            // adaptor has no query-distinct-values and no reference routes, though it may list reference operations).
            throw new AdaptorCallException(AdaptorFailure.NotSupported, $"The adaptor does not serve {path} (it answered HTTP {answer.Status}).", answer.Status)
            {
                Path = path,
            };
        }
        var message = JsonRead.Text(error?["errorMessage"])
            ?? JsonRead.Text(JsonRead.Member(error?["data"], "description"))
            ?? $"The adaptor answered HTTP {answer.Status} to {path}.";
        throw new AdaptorCallException(AdaptorFailure.AdaptorError, message, answer.Status, code ?? AdaptorErrorCodes.ForStatus(answer.Status), error?["data"]?.DeepClone())
        {
            Path = path,
        };
    }

    /// <summary>
    /// The answer's JSON (null for an empty body where <paramref name="allowEmpty"/>). A 2xx answer that is not JSON is a
    /// <see cref="AdaptorFailure.BadAnswer"/>; an error answer that is not JSON reads as null.
    /// </summary>
    public static JsonNode? Parse(AdaptorAnswer answer, string path, bool allowEmpty)
    {
        if (answer.Body.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return allowEmpty ? null : throw new AdaptorCallException(AdaptorFailure.BadAnswer,
                $"The adaptor answered HTTP {answer.Status} with an empty body to {path}.", answer.Status) { Path = path };
        }
        var (node, problem) = JsonBody.Parse(answer.Body.Span, "answer", MaxAnswerDepth, finiteNumbers: false);
        if (problem is not null && answer.Status is >= 200 and < 300)
        {
            throw new AdaptorCallException(AdaptorFailure.BadAnswer,
                $"The adaptor's answer to {path} is not JSON the server accepts ({problem.Field} {problem.Description}).", answer.Status) { Path = path };
        }
        return node;
    }
}
