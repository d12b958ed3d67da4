using Alchemist.Features.Images;
using Alchemist.Programs.Isolation;

namespace Alchemist.Worker;

public static class Program
{
    public static int Main(string[] args) => args is [WalledImageDecoder.Mode, var socket]
        ? WalledProcessHost.Serve(socket, WalledImageDecoder.Answer)
        : WorkerHost.Run(args);
}
