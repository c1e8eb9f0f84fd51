using System.Text;

namespace OrleansScale.Bench.ClusterLoad.Cli;

/// <summary>Writes to the console and keeps a copy, so summary.txt is exactly what was printed.</summary>
public sealed class TeeWriter(TextWriter console) : TextWriter
{
    readonly StringBuilder copy = new();

    public override Encoding Encoding => console.Encoding;

    public override void Write(char value)
    {
        console.Write(value);
        copy.Append(value);
    }

    public override void Write(string? value)
    {
        console.Write(value);
        copy.Append(value);
    }

    public override void WriteLine(string? value)
    {
        console.WriteLine(value);
        copy.AppendLine(value);
    }

    public string Copy => copy.ToString();
}
