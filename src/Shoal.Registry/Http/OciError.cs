using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Shoal.Registry;

/// <summary>Writes the spec's error body: <c>{"errors":[{"code":..,"message":..,"detail":..}]}</c>.</summary>
public static class OciError
{
    public static string Code(OciErrorCode code) => code switch
    {
        OciErrorCode.BlobUnknown => "BLOB_UNKNOWN",
        OciErrorCode.ManifestUnknown => "MANIFEST_UNKNOWN",
        OciErrorCode.NameInvalid => "NAME_INVALID",
        OciErrorCode.NameUnknown => "NAME_UNKNOWN",
        OciErrorCode.DigestInvalid => "DIGEST_INVALID",
        OciErrorCode.ManifestInvalid => "MANIFEST_INVALID",
        OciErrorCode.Unauthorized => "UNAUTHORIZED",
        OciErrorCode.Denied => "DENIED",
        OciErrorCode.Unsupported => "UNSUPPORTED",
        OciErrorCode.TooManyRequests => "TOOMANYREQUESTS",
        _ => "UNKNOWN",
    };

    public static int Status(OciErrorCode code) => code switch
    {
        OciErrorCode.BlobUnknown or OciErrorCode.ManifestUnknown or OciErrorCode.NameUnknown => StatusCodes.Status404NotFound,
        OciErrorCode.NameInvalid or OciErrorCode.DigestInvalid or OciErrorCode.ManifestInvalid => StatusCodes.Status400BadRequest,
        OciErrorCode.Unauthorized => StatusCodes.Status401Unauthorized,
        OciErrorCode.Denied => StatusCodes.Status403Forbidden,
        OciErrorCode.Unsupported => StatusCodes.Status405MethodNotAllowed,
        OciErrorCode.TooManyRequests => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static async Task WriteAsync(HttpContext context, OciErrorCode code, string message, CancellationToken ct)
    {
        var response = context.Response;
        response.StatusCode = Status(code);
        response.ContentType = "application/json";
        if (HttpMethods.IsHead(context.Request.Method)) return;
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorList([new ErrorEntry(Code(code), message)]), OciJsonContext.Default.ErrorList);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, ct).ConfigureAwait(false);
    }

    internal sealed record ErrorEntry(string code, string message);
    internal sealed record ErrorList(ErrorEntry[] errors);
}
