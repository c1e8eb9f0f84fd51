using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace OrleansScale.Deploy.SlowLink;

/// <summary>A Linux TAP interface of the given name, made by opening /dev/net/tun: what the kernel sends out
/// of the interface is read here as an Ethernet frame, and a frame written here arrives on the interface as if
/// from a cable. No offloads are asked for, so every frame read is at most one MTU with its checksums done:
/// a frame can go out of another interface as it is. The interface lives while this object does.</summary>
sealed unsafe class TapDevice : IDisposable
{
    const int ReadWrite = 2;               // O_RDWR
    const int CloseOnExec = 0x80000;       // O_CLOEXEC
    const uint SetInterface = 0x400454CA;  // TUNSETIFF
    const short Tap = 0x0002;              // IFF_TAP
    const short NoPacketInfo = 0x1000;     // IFF_NO_PI: frames without tun's 4-byte header
    const int NameLength = 16;             // IFNAMSIZ

    readonly int fd;

    public string Name { get; }

    public TapDevice(string name)
    {
        if (name.Length is 0 or >= NameLength)
            throw new ArgumentException($"An interface name has 1 to {NameLength - 1} characters: '{name}'.", nameof(name));
        Name = name;
        fd = Native.open("/dev/net/tun", ReadWrite | CloseOnExec);
        if (fd < 0)
            throw Failure("opening /dev/net/tun");
        // struct ifreq: the name, then the flags (a union padded to 40 bytes in all).
        var request = stackalloc byte[40];
        new Span<byte>(request, 40).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(request, NameLength));
        *(short*)(request + NameLength) = Tap | NoPacketInfo;
        if (Native.ioctl(fd, SetInterface, request) < 0)
        {
            var error = Failure($"making the TAP interface {name}");
            Native.close(fd);
            throw error;
        }
    }

    /// <summary>Blocks until the kernel sends a frame out of the interface; its length, or 0 when the
    /// interface is gone.</summary>
    public int Read(Span<byte> frame)
    {
        while (true)
        {
            nint read;
            fixed (byte* p = frame)
                read = Native.read(fd, p, frame.Length);
            if (read >= 0)
                return (int)read;
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Native.Interrupted)
                throw new Win32Exception(errno, $"reading from {Name}");
        }
    }

    /// <summary>Hands a frame to the kernel as received on the interface; false when the kernel refuses it
    /// (the interface is down, say), which a cable would lose too.</summary>
    public bool Write(ReadOnlySpan<byte> frame)
    {
        fixed (byte* p = frame)
            return Native.write(fd, p, frame.Length) == frame.Length;
    }

    public void Dispose() => Native.close(fd);

    static Win32Exception Failure(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new Win32Exception(errno, $"{what} failed (errno {errno}); this needs root and a kernel with TUN/TAP");
    }

    static class Native
    {
        public const int Interrupted = 4; // EINTR

        [DllImport("libc", SetLastError = true)]
        public static extern int open(string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int ioctl(int fd, uint request, byte* argument);

        [DllImport("libc", SetLastError = true)]
        public static extern nint read(int fd, byte* buffer, nint count);

        [DllImport("libc", SetLastError = true)]
        public static extern nint write(int fd, byte* buffer, nint count);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
