namespace Shoal.Registry.Tests;

/// <summary>One docker-registry with one generated image pushed, shared by a test class.</summary>
public sealed class UpstreamFixture : IAsyncLifetime
{
    public const string Repository = "shoal/test-image";
    internal DockerRegistryProcess Registry { get; private set; } = null!;
    internal TestImage Image { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Registry = await DockerRegistryProcess.StartAsync();
        Image = TestImage.Generate(seed: 7, 1_500_000, 700_000, 3_200_000);
        using var pusher = new OciPusher(Registry.Url);
        await pusher.PushAsync(Repository, Image, indexTag: "v1", manifestTag: "v1-amd64");
    }

    public async Task DisposeAsync() => await Registry.DisposeAsync();
}
