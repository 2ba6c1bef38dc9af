using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Shoal.Registry.Tests")]
