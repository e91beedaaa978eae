using System.Net;
using System.Text;

namespace VbiOrleans.Host.Api;

/// <summary>
/// A browsable API reference at <c>/reference</c>: one self-contained HTML page (no CDN, no external script) that reads
/// <c>/openapi/v1.json</c> and lists every operation by tag with its parameters, body and responses, every schema, and
/// the table of stable error codes with their HTTP statuses.
/// </summary>
public static class ReferencePage
{
    public static void MapReferencePage(this IEndpointRouteBuilder app)
    {
        var html = Build();
        app.MapGet("/reference", () => Results.Content(html, "text/html; charset=utf-8"))
            .ExcludeFromDescription();
    }

    private static string Build()
    {
        var codes = new StringBuilder();
        foreach (var code in Enum.GetValues<ErrorCode>().Where(c => c != ErrorCode.None))
        {
            codes.Append(System.Globalization.CultureInfo.InvariantCulture, $"<tr><td><code>{WebUtility.HtmlEncode(code.ToString())}</code></td><td>{(int)code}</td><td>{Problems.StatusFor(code)}</td></tr>");
        }
        return Template.Replace("<!--CODES-->", codes.ToString(), StringComparison.Ordinal);
    }

    private const string Template = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>VbiOrleans API reference</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d232b;background:#fafbfc}
header{background:#123;color:#fff;padding:16px 28px}header a{color:#9cf}
main{max-width:1100px;margin:0 auto;padding:8px 28px 60px}
h2{margin-top:36px;border-bottom:1px solid #ccd;padding-bottom:4px}
.op{background:#fff;border:1px solid #dde;border-radius:6px;margin:10px 0;padding:10px 14px}
.m{display:inline-block;min-width:64px;font-weight:700;font-family:monospace}
.GET{color:#07a}.POST{color:#080}.PUT{color:#a60}.DELETE{color:#b00}
code,.p{font-family:ui-monospace,monospace;font-size:13px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #dde;padding:3px 8px;text-align:left;vertical-align:top}
.muted{color:#667}details{margin:4px 0}
</style>
</head>
<body>
<header><h1>VbiOrleans API v1</h1>
<p>The OpenAPI document is <a href="/openapi/v1.json">/openapi/v1.json</a>. Errors are RFC 9457 problem documents
(<code>application/problem+json</code>) whose <code>code</code> is stable: branch on it, never on <code>detail</code>.
Amounts are integer mills (tenths of a cent). Money-moving POSTs need an <code>Idempotency-Key</code>.</p></header>
<main>
<nav id="toc"></nav>
<div id="ops"><p class="muted">Loading /openapi/v1.json…</p></div>
<h2 id="schemas">Schemas</h2><div id="schemaList"></div>
<h2 id="codes">Error codes</h2>
<table><tr><th>code</th><th>number</th><th>HTTP status</th></tr><!--CODES--></table>
</main>
<script>
const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const ref = s => !s ? '' : s.$ref ? '<a href="#schema-' + esc(s.$ref.split('/').pop()) + '">' + esc(s.$ref.split('/').pop()) + '</a>'
  : s.type === 'array' ? ref(s.items) + '[]' : esc(Array.isArray(s.type) ? s.type.join('|') : (s.type || 'object'));
fetch('/openapi/v1.json').then(r => r.json()).then(doc => {
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths || {}))
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      const tag = (op.tags && op.tags[0]) || 'Other';
      (byTag[tag] = byTag[tag] || []).push({path, method: method.toUpperCase(), op});
    }
  let toc = '<p>', html = '';
  for (const tag of Object.keys(byTag).sort()) {
    const id = 'tag-' + tag.replace(/\W+/g, '-');
    toc += '<a href="#' + id + '">' + esc(tag) + '</a> · ';
    html += '<h2 id="' + id + '">' + esc(tag) + '</h2>';
    for (const {path, method, op} of byTag[tag]) {
      html += '<div class="op"><span class="m ' + method + '">' + method + '</span> <span class="p">' + esc(path) + '</span>';
      if (op.summary) html += '<div>' + esc(op.summary) + '</div>';
      if (op.parameters && op.parameters.length) html += '<div class="muted">parameters: ' + op.parameters.map(p => esc(p.name) + ' (' + esc(p.in) + (p.required ? ', required' : '') + ')').join(', ') + '</div>';
      const body = op.requestBody && op.requestBody.content;
      if (body) html += '<div>body: ' + Object.entries(body).map(([t, c]) => esc(t) + ' ' + ref(c.schema)).join(', ') + '</div>';
      html += '<div>responses: ' + Object.entries(op.responses).map(([s, r]) => '<b>' + esc(s) + '</b> ' + (r.content ? Object.values(r.content).map(c => ref(c.schema)).join(' ') : esc(r.description || ''))).join('; ') + '</div></div>';
    }
  }
  document.getElementById('toc').innerHTML = toc + '<a href="#schemas">Schemas</a> · <a href="#codes">Error codes</a></p>';
  document.getElementById('ops').innerHTML = html;
  let schemas = '';
  for (const [name, s] of Object.entries((doc.components && doc.components.schemas) || {}).sort()) {
    schemas += '<details id="schema-' + esc(name) + '"><summary><code>' + esc(name) + '</code></summary><table>';
    for (const [p, ps] of Object.entries(s.properties || {})) schemas += '<tr><td><code>' + esc(p) + '</code></td><td>' + ref(ps) + '</td></tr>';
    if (s.enum) schemas += '<tr><td>values</td><td>' + s.enum.map(esc).join(', ') + '</td></tr>';
    schemas += '</table></details>';
  }
  document.getElementById('schemaList').innerHTML = schemas;
}).catch(e => { document.getElementById('ops').innerHTML = '<p>Could not load /openapi/v1.json: ' + esc(e) + '</p>'; });
</script>
</body>
</html>
""";
}
