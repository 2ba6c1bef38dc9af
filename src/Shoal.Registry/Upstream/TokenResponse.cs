using System.Text.Json.Serialization;

namespace Shoal.Registry;

/// <summary>The token endpoint's answer (Docker's token auth spec: <c>token</c>, or OAuth2's <c>access_token</c>).</summary>
internal sealed class TokenResponse
{
    [JsonPropertyName("token")] public string? Token { get; set; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; set; }
    [JsonPropertyName("expires_in")] public int? ExpiresIn { get; set; }
}
