using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Shoal.Registry.Tests;

/// <summary>
/// A real, minimal implementation of Docker's token service for distribution's <c>auth: token</c>: it
/// issues ES256 JWTs with the signer's certificate in <c>x5c</c> (distribution checks it against its
/// rootcertbundle). Anonymous clients get pull on repositories under <c>public/</c>; the configured user
/// gets pull and push everywhere; wrong credentials get 401.
/// </summary>
internal sealed class TokenServer : IAsyncDisposable
{
    public const string Service = "shoal-test-registry";
    public const string Issuer = "shoal-test-token-issuer";
    public const string User = "alice";
    public const string Password = "wonderland";

    private readonly WebApplication _app;
    private readonly ECDsa _key;
    private readonly X509Certificate2 _cert;
    private int _issued;

    private TokenServer(WebApplication app, ECDsa key, X509Certificate2 cert, string certPath)
    {
        _app = app;
        _key = key;
        _cert = cert;
        CertPath = certPath;
    }

    /// <summary>The token endpoint, known once <see cref="StartAsync"/> has returned.</summary>
    public string Realm { get; private set; } = "";
    public string CertPath { get; }
    public int Issued => _issued;

    public static async Task<TokenServer> StartAsync(string directory)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=shoal test token signer", key, HashAlgorithmName.SHA256);
        var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(directory, "token-signer.pem");
        await File.WriteAllTextAsync(certPath, cert.ExportCertificatePem());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Port 0, read back after the bind: a port found free beforehand can be taken before Kestrel binds it.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new TokenServer(app, key, cert, certPath);
        app.MapGet("/token", server.Issue);
        await app.StartAsync();
        server.Realm = app.Urls.Single().TrimEnd('/') + "/token";
        return server;
    }

    private IResult Issue(HttpContext context)
    {
        string? subject = null;
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..]));
            if (pair != User + ":" + Password) return Results.Unauthorized();
            subject = User;
        }
        var access = new List<object>();
        foreach (var scope in context.Request.Query["scope"])
        {
            var parts = scope!.Split(':');
            if (parts.Length != 3 || parts[0] != "repository") continue;
            var asked = parts[2].Split(',');
            var granted = subject is not null ? asked : parts[1].StartsWith("public/", StringComparison.Ordinal) ? asked.Where(a => a == "pull").ToArray() : [];
            access.Add(new { type = "repository", name = parts[1], actions = granted });
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new Dictionary<string, object> { ["typ"] = "JWT", ["alg"] = "ES256", ["x5c"] = new[] { Convert.ToBase64String(_cert.RawData) } };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer, ["sub"] = subject ?? "", ["aud"] = Service, ["exp"] = now + 300, ["nbf"] = now - 10, ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"), ["access"] = access,
        };
        var signingInput = B64(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + B64(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        Interlocked.Increment(ref _issued);
        return Results.Json(new { token = signingInput + "." + B64(signature), expires_in = 300 });
    }

    private static string B64(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _cert.Dispose();
        _key.Dispose();
    }
}
