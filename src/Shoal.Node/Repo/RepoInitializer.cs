namespace Shoal.Node;

/// <summary>Creates a repository: config file, identity key and block store directory.</summary>
public static class RepoInitializer
{
    public static ShoalRepo Init(string path, InitOptions options)
    {
        var repo = new ShoalRepo(path);
        var existing = repo.FindConfigFile();
        if (existing is not null && !options.Force) throw new RepoExistsException(repo.Path);
        Directory.CreateDirectory(repo.Path);

        var config = new ShoalConfig();
        options.Configure?.Invoke(config);
        ConfigLoader.Validate(config);

        var peerId = NodeIdentity.Create(repo.Resolve(config.Identity.KeyFile), overwrite: options.Force);
        config.Identity.PeerId = peerId;

        if (existing is not null) File.Delete(existing);
        var configPath = System.IO.Path.Combine(repo.Path, options.Yaml ? "config.yaml" : "config.json");
        AtomicFile.WriteAllText(configPath, ConfigLoader.Serialize(config, options.Yaml));
        if (config.Datastore.Kind == "flatfs") Directory.CreateDirectory(repo.Resolve(config.Datastore.Path));
        return repo;
    }
}
