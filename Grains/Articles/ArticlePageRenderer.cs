using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace OrleansScale.Articles;

/// <summary>Turns an article's Markdown into a complete, self-contained HTML page. Safe by
/// construction: raw HTML in the source is escaped (so no tags and no event attributes can be
/// written), link and image addresses with a scheme other than http, https or mailto (javascript:,
/// data:, vbscript:, …) are replaced, and every other text is HTML-encoded. Only extensions that
/// cannot add attributes are enabled (not Markdig's "generic attributes").</summary>
public sealed class ArticlePageRenderer
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    /// <summary>Where an unsafe address pointed; the link stays, harmlessly.</summary>
    public const string BlockedUrl = "#blocked-link";

    /// <summary>The longest HTML body a page gets, in characters. Ordinary Markdown renders to a few times its
    /// length (a 200 KiB source of quotation marks to 1.2 M characters), but a pipe table whose rows leave
    /// their cells out renders every missing cell, so 200 KiB of source could become a gigabyte of HTML: a
    /// body that would be longer is not rendered, and the page says so instead (<see cref="NotShownNotice"/>).
    /// This keeps the article's stored page, and the time a render takes, bounded.</summary>
    public const int MaxBodyChars = 2 * 1024 * 1024;

    /// <summary>The body of a page whose Markdown cannot be shown: its HTML would be longer than
    /// <see cref="MaxBodyChars"/>, or it nests deeper than Markdig parses.</summary>
    public const string NotShownNotice =
        "<p class=\"not-shown\">This version of the article cannot be shown as a page: its Markdown would render " +
        "to more than 2,097,152 characters of HTML, or nests too deeply. The source is kept; a shorter or simpler " +
        "version will be shown again.</p>\n";

    /// <summary>The most characters a page holds beyond its body: the head and stylesheet, the title twice
    /// (at most 200 characters, each encoded into at most 10), the author's name twice (at most 100) and the
    /// footer.</summary>
    public const int MaxFrameChars = 16 * 1024;

    public string Render(ArticleSource article, string authorName, DateTimeOffset renderedAt)
    {
        var html = HtmlEncoder.Default;
        var page = new StringBuilder(article.Markdown.Length * 2 + 2048);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"author\" content=\"").Append(html.Encode(authorName)).Append("\">\n")
            .Append("<title>").Append(html.Encode(article.Title)).Append("</title>\n")
            .Append("<style>").Append(Stylesheet).Append("</style>\n</head>\n<body>\n<main>\n<article>\n<header>\n")
            .Append("<h1>").Append(html.Encode(article.Title)).Append("</h1>\n")
            .Append("<p class=\"byline\">By <span class=\"author\">").Append(html.Encode(authorName)).Append("</span>")
            .Append(" · published ").Append(Time(article.CreatedAt));
        if (article.UpdatedAt > article.CreatedAt)
            page.Append(" · updated ").Append(Time(article.UpdatedAt));
        page.Append("</p>\n</header>\n<div class=\"body\">\n")
            .Append(RenderBody(article.Markdown))
            .Append("</div>\n</article>\n<footer>Version ").Append(article.Version.ToString(CultureInfo.InvariantCulture))
            .Append(", rendered ").Append(Time(renderedAt)).Append("</footer>\n</main>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>The Markdown as an HTML fragment, with unsafe addresses replaced; <see cref="NotShownNotice"/>
    /// when it would be longer than <see cref="MaxBodyChars"/> or nests too deeply for Markdig.</summary>
    public static string RenderBody(string markdown)
    {
        try
        {
            return RenderBounded(markdown);
        }
        catch (BodyTooLongException)
        {
            return NotShownNotice;
        }
        catch (ArgumentException e) when (e.Message.Contains("too deeply nested", StringComparison.Ordinal))
        {
            // Markdig's own depth limit (e.g. thousands of nested quotes or emphasis markers).
            return NotShownNotice;
        }
    }

    static string RenderBounded(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (!IsSafeUrl(link.Url))
            {
                link.Url = BlockedUrl;
                link.GetDynamicUrl = null;
            }
        }
        foreach (var autolink in document.Descendants<AutolinkInline>())
        {
            if (!autolink.IsEmail && !IsSafeUrl(autolink.Url))
                autolink.Url = BlockedUrl;
        }

        using var writer = new BoundedWriter(MaxBodyChars);
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>True for relative addresses and for http, https and mailto. Browsers ignore control
    /// characters and whitespace inside a scheme ("java\tscript:"), so they are dropped before looking.</summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
            return true;
        var compact = new string(url.Where(c => c > ' ' && !char.IsControl(c)).ToArray());
        var colon = compact.IndexOf(':');
        if (colon < 0)
            return true;
        var delimiter = compact.IndexOfAny(['/', '?', '#']);
        if (delimiter >= 0 && delimiter < colon)
            return true; // the colon is in the path or query of a relative address
        var scheme = compact[..colon];
        return SafeSchemes.Any(s => s.Equals(scheme, StringComparison.OrdinalIgnoreCase));
    }

    sealed class BodyTooLongException() : Exception("The rendered body is longer than the most a page holds.");

    /// <summary>A string writer that gives up, rather than grow, past its limit: the renderer stops at the
    /// limit instead of producing the whole oversized body first.</summary>
    sealed class BoundedWriter(int maxChars) : StringWriter(CultureInfo.InvariantCulture)
    {
        void Check(int adding)
        {
            if (GetStringBuilder().Length + adding > maxChars)
                throw new BodyTooLongException();
        }

        public override void Write(char value)
        {
            Check(1);
            base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Check(count);
            base.Write(buffer, index, count);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Check(buffer.Length);
            base.Write(buffer);
        }

        public override void Write(string? value)
        {
            Check(value?.Length ?? 0);
            base.Write(value);
        }

        public override void Write(StringBuilder? value)
        {
            Check(value?.Length ?? 0);
            base.Write(value);
        }

        public override void WriteLine(ReadOnlySpan<char> buffer)
        {
            Check(buffer.Length + CoreNewLine.Length);
            base.WriteLine(buffer);
        }

        public override void WriteLine(StringBuilder? value)
        {
            Check((value?.Length ?? 0) + CoreNewLine.Length);
            base.WriteLine(value);
        }
    }

    static string Time(DateTimeOffset at) =>
        $"<time datetime=\"{at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\">" +
        $"{at.UtcDateTime.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}</time>";

    // Every text colour keeps a contrast of at least 4.5:1 with its background (WCAG AA) in both schemes, which
    // the browser tests check with axe: the footer's lighter grey (3:1) did not.
    const string Stylesheet =
        ":root{color-scheme:light dark}" +
        "body{margin:0;background:#f6f7f9;color:#1f2328;font:17px/1.65 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}" +
        "main{max-width:44rem;margin:2rem auto;padding:2.5rem 2rem 2rem;background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.08)}" +
        "header{border-bottom:1px solid #e5e7eb;margin-bottom:1.75rem}" +
        "h1{font-size:2.1rem;line-height:1.2;margin:0 0 .6rem}" +
        "h2,h3{line-height:1.3;margin-top:2rem}" +
        ".byline{color:#59636e;font-size:.95rem;margin:0 0 1.25rem}" +
        "a{color:#0969da}" +
        "pre{background:#f6f8fa;padding:1rem;overflow:auto;border-radius:6px}" +
        "code{font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}" +
        "blockquote{margin:0;padding:0 1rem;border-left:4px solid #d0d7de;color:#59636e}" +
        "img{max-width:100%;height:auto}" +
        "table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:.35rem .7rem}" +
        "footer{margin-top:3rem;color:#59636e;font-size:.85rem}" +
        "@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}main{background:#161b22;box-shadow:none}" +
        "header{border-color:#30363d}.byline,blockquote,footer{color:#9198a1}a{color:#4493f8}pre{background:#0d1117}}";
}
