namespace Shoal.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("shoal: not yet implemented");
        return 1;
    }
}
