using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Alchemist.Cluster;

/// <summary>Reads the endpoints the command line names: <c>host:port[,host:port...]</c>.</summary>
public static class ClusterEndpoints
{
    /// <summary>
    /// The endpoints in <paramref name="text"/>, comma-separated <c>host:port</c> (an IPv4 address, <c>[IPv6]</c> or a host
    /// name, resolved to its first IPv4 address).
    /// </summary>
    /// <param name="text">The option's value.</param>
    /// <param name="option">The option's name, for messages.</param>
    /// <exception cref="UserError">An endpoint is not host:port, its port is out of range, or its host does not resolve.</exception>
    public static IReadOnlyList<IPEndPoint> Parse(string text, string option)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new UserError($"{option}: '{part}' is not host:port (a port from 1 to 65535)");
            }

            var host = part[..colon].Trim('[', ']');
            IPAddress address;
            if (!IPAddress.TryParse(host, out address!))
            {
                try
                {
                    address = Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                        ?? throw new UserError($"{option}: host '{host}' has no IPv4 address");
                }
                catch (SocketException e)
                {
                    throw new UserError($"{option}: host '{host}' does not resolve: {e.Message}");
                }
            }

            endpoints.Add(new IPEndPoint(address, port));
        }

        return endpoints.Count > 0 ? endpoints : throw new UserError($"{option}: name at least one host:port");
    }
}
