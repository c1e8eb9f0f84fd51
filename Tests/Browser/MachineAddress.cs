using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace OrleansScale.Tests.Browser;

/// <summary>An address of this machine other than loopback. A connection made from this machine to it comes from
/// it, so a server listening there sees a caller that is not loopback, as it sees one on another machine.</summary>
public static class MachineAddress
{
    public static IPAddress NotLoopback() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(network => network.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(network => network.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address))
        ?? throw new InvalidOperationException(
            "This machine has no IPv4 address other than loopback, so no test can call it as a remote caller.");
}
