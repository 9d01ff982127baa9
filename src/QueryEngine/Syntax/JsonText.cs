// Contract: JSON text exactly as SQLite 3.40.1's json.c (the RFC 8259 parser before JSON5) reads, searches, edits
// and writes it. Parsing keeps every number and string as written (json() minifies, it never reformats); a path is
// read only as far as the lookup walks it, as jsonLookupStep does, so its errors are SQLite's; json_set's appends and
// json_patch's merge keep json.c's node-chain behaviour, quirks included (see Lookup and MergePatch). Nothing here
// recurses on the depth of the input: parsing, path appends and rendering use explicit stacks, so a client's deeply
// nested text or long path cannot overflow the node's stack; parsing stops at JSON_MAX_DEPTH (2000) as json.c does.
using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>json.c's node types, in its order (json_type() names them from this order).</summary>
internal enum JsonType : byte { Null, True, False, Integer, Real, String, Array, Object }

/// <summary>One parsed (or appended) JSON value. Containers hold their children in <see cref="Items"/> (an
/// object's as label, value, label, value, ...); what json_set or json_patch adds later goes to
/// <see cref="Appended"/>, one element (or one label and value) per json.c append segment.</summary>
internal sealed class JsonNode(JsonType type, string? text = null)
{
    public readonly JsonType Type = type;
    /// <summary>A number as written; a string as written, quotes and escapes included, unless <see cref="Raw"/>.</summary>
    public readonly string? Text = text;
    /// <summary>JNODE_ESCAPE: the string has backslash escapes to decode.</summary>
    public bool Escaped;
    /// <summary>JNODE_RAW: a label json_set made from a path; <see cref="Text"/> is unquoted and quoted on output.</summary>
    public bool Raw;
    /// <summary>JNODE_REMOVE: json_remove took it out (or json_patch dropped a null).</summary>
    public bool Removed;
    /// <summary>JNODE_REPLACE: rendered as this SQL value (json_set, json_insert, json_replace).</summary>
    public bool Replaced;
    public SqlValue Replacement;
    public bool ReplacementIsJson;
    /// <summary>JNODE_PATCH: rendered as this node of the patch instead (json_patch).</summary>
    public JsonNode? Patch;
    public List<JsonNode>? Items;
    public List<JsonNode>? Appended;

    public bool IsContainer => Type >= JsonType.Array;
}

/// <summary>SQLite's JSON text: parse, look up, patch and render.</summary>
internal static class JsonText
{
    /// <summary>JSON_MAX_DEPTH: deeper nesting is malformed JSON to json.c.</summary>
    public const int MaxDepth = 2000;
    public const string MalformedMessage = "malformed JSON";
    /// <summary>How deep json_set and json_insert may nest what they create (parsed JSON stops at MaxDepth).</summary>
    public const int MaxAppendDepth = 10000;

    public static readonly string[] TypeNames = ["null", "true", "false", "integer", "real", "text", "array", "object"];

    public static SqlRuntimeException Malformed() => new(MalformedMessage, SqlRuntimeException.Error);

    /// <summary>json.c reads the argument as a C string: text past a NUL character is not there.</summary>
    public static string UpToNul(string s)
    {
        int nul = s.IndexOf('\0');
        return nul < 0 ? s : s[..nul];
    }

    /// <summary>jsonIsSpace: only these four.</summary>
    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r';

    private static bool IsAsciiAlnum(char c) => char.IsAsciiLetterOrDigit(c);

    private static int SkipSpace(string z, int i)
    {
        while (i < z.Length && IsSpace(z[i])) i++;
        return i;
    }

    private static char At(string z, int i) => i < z.Length ? z[i] : '\0';

    /// <summary>jsonParse: the whole text as one JSON value, or null when json.c calls it malformed.</summary>
    public static JsonNode? Parse(string text)
    {
        string z = UpToNul(text);
        var open = new List<JsonNode>(); // the containers being filled, innermost last
        var openAsLabel = new List<bool>(); // whether each sits where its object expects a label
        bool garbled = false;
        JsonNode? root = null;
        int i = 0;
        bool justOpened = false;
        while (true)
        {
            // One value (or an object's label) at i. json.c counts the depth for each element it parses, the
            // closing bracket of an empty container included.
            i = SkipSpace(z, i);
            char c = At(z, i);
            var top = open.Count > 0 ? open[^1] : null;
            if (open.Count > MaxDepth) return null;
            if (justOpened && c == (top!.Type == JsonType.Array ? ']' : '}'))
            {
                i++;
                // An empty container is its own last node: as a label, not a string.
                if (openAsLabel[^1]) return null;
                open.RemoveAt(open.Count - 1);
                openAsLabel.RemoveAt(openAsLabel.Count - 1);
            }
            else
            {
                bool asLabel = top is { Type: JsonType.Object } && top.Items!.Count % 2 == 0;
                if (asLabel && c != '"' && c != '[' && c != '{') return null;
                JsonNode value;
                if (c is '[' or '{')
                {
                    value = new JsonNode(c == '[' ? JsonType.Array : JsonType.Object) { Items = [] };
                    i++;
                }
                else
                {
                    int end = ParseScalar(z, i, out value);
                    if (end < 0) return null;
                    i = end;
                }
                if (top == null) root = value; else top.Items!.Add(value);
                if (value.IsContainer)
                {
                    open.Add(value);
                    openAsLabel.Add(asLabel);
                    justOpened = true;
                    continue;
                }
            }
            justOpened = false;
            // After a complete value: ':' after a label, ',' before the next element, or closing brackets.
            while (true)
            {
                if (open.Count == 0)
                {
                    i = SkipSpace(z, i);
                    if (i != z.Length) return null;
                    // json.c took an array or object as a label (see below) and the whole text still parsed: it
                    // would answer with garbled nodes, which FastDb refuses to copy.
                    if (garbled) throw new SqlParseException("FastDb does not support a JSON object label that is an array or an object");
                    return root;
                }
                top = open[^1];
                i = SkipSpace(z, i);
                c = At(z, i);
                if (top.Type == JsonType.Object && top.Items!.Count % 2 == 1)
                {
                    if (c != ':') return null;
                    i++;
                    break;
                }
                if (c == ',') { i++; break; }
                if (c != (top.Type == JsonType.Array ? ']' : '}')) return null;
                i++;
                open.RemoveAt(open.Count - 1);
                if (openAsLabel[^1])
                {
                    // json.c takes the last node it parsed as the label: this container's last descendant. Not a
                    // string: malformed; a string: accepted (and the object garbled), parsing goes on.
                    var last = top;
                    while (last.IsContainer && last.Items!.Count > 0) last = last.Items[^1];
                    if (last.Type != JsonType.String) return null;
                    garbled = true;
                }
                openAsLabel.RemoveAt(openAsLabel.Count - 1);
            }
        }
    }

    /// <summary>jsonParseValue for a string, number, true, false or null at <paramref name="i"/>: the index after it,
    /// or -1 where json.c fails.</summary>
    private static int ParseScalar(string z, int i, out JsonNode node)
    {
        node = null!;
        char c = At(z, i);
        if (c == '"')
        {
            bool escaped = false;
            int j = i + 1;
            while (true)
            {
                c = At(z, j);
                if (c < 0x20) return -1; // control characters (and the end of the text) are not allowed
                if (c == '\\')
                {
                    c = At(z, ++j);
                    if (c is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't' || (c == 'u' && Is4Hex(z, j + 1))) escaped = true;
                    else return -1;
                }
                else if (c == '"') break;
                j++;
            }
            node = new JsonNode(JsonType.String, z.Substring(i, j + 1 - i)) { Escaped = escaped };
            return j + 1;
        }
        if (c == 'n' && string.CompareOrdinal(z, i, "null", 0, 4) == 0 && !IsAsciiAlnum(At(z, i + 4)))
        {
            node = new JsonNode(JsonType.Null);
            return i + 4;
        }
        if (c == 't' && string.CompareOrdinal(z, i, "true", 0, 4) == 0 && !IsAsciiAlnum(At(z, i + 4)))
        {
            node = new JsonNode(JsonType.True);
            return i + 4;
        }
        if (c == 'f' && string.CompareOrdinal(z, i, "false", 0, 5) == 0 && !IsAsciiAlnum(At(z, i + 5)))
        {
            node = new JsonNode(JsonType.False);
            return i + 5;
        }
        if (c == '-' || char.IsAsciiDigit(c))
        {
            bool seenDP = false, seenE = false;
            int j = c == '-' ? i + 1 : i;
            if (At(z, j) == '0' && char.IsAsciiDigit(At(z, j + 1))) return -1;
            for (j = i + 1; ; j++)
            {
                c = At(z, j);
                if (char.IsAsciiDigit(c)) continue;
                if (c == '.')
                {
                    if (z[j - 1] == '-' || seenDP) return -1;
                    seenDP = true;
                    continue;
                }
                if (c is 'e' or 'E')
                {
                    if (z[j - 1] < '0' || seenE) return -1;
                    seenDP = seenE = true;
                    c = At(z, j + 1);
                    if (c is '+' or '-') { j++; c = At(z, j + 1); }
                    if (!char.IsAsciiDigit(c)) return -1;
                    continue;
                }
                break;
            }
            if (z[j - 1] < '0') return -1;
            node = new JsonNode(seenDP ? JsonType.Real : JsonType.Integer, z.Substring(i, j - i));
            return j;
        }
        return -1;
    }

    private static bool Is4Hex(string z, int i)
    {
        for (int k = 0; k < 4; k++) if (!char.IsAsciiHexDigit(At(z, i + k))) return false;
        return true;
    }

    // ---- Path lookup -------------------------------------------------------------------------------------------

    /// <summary>jsonLookup: the node <paramref name="path"/> names, or null. A path json.c rejects (as far as the
    /// walk reads it) throws "JSON path error near '...'". With <paramref name="append"/> (json_set, json_insert) the
    /// missing tail of an object key or an array's next index is created; <paramref name="appended"/> says so.</summary>
    public static JsonNode? Lookup(JsonNode root, string? pathText, bool append, out bool appended)
    {
        appended = false;
        if (pathText == null) return null;
        string path = UpToNul(pathText);
        if (path.Length == 0 || path[0] != '$') throw PathError(path, 0);
        var node = root;
        int p = 1, depth = 0;
        while (true)
        {
            if (p == path.Length) return node;
            if (node.Replaced) return null;
            if (path[p] == '.')
            {
                if (node.Type != JsonType.Object) return null;
                p++;
                var (keyStart, keyEnd, after) = ReadKey(path, p);
                var key = path.AsSpan(keyStart, keyEnd - keyStart);
                var value = FindLabel(node.Items!, key) ?? (node.Appended != null ? FindLabel(node.Appended, key) : null);
                if (value != null) { node = value; p = after; depth++; continue; }
                if (!append) return null;
                appended = true;
                var tail = BuildAppend(path, after, depth + 1);
                if (tail == null) return null;
                node.Appended ??= [];
                node.Appended.Add(new JsonNode(JsonType.String, key.ToString()) { Raw = true });
                node.Appended.Add(tail.Value.Top);
                return tail.Value.Leaf;
            }
            if (path[p] == '[')
            {
                uint index = 0;
                int j = p + 1;
                while (char.IsAsciiDigit(At(path, j))) { index = unchecked(index * 10 + (uint)(path[j] - '0')); j++; }
                if (j < p + 2 || At(path, j) != ']')
                {
                    if (At(path, p + 1) != '#') throw PathError(path, p);
                    if (node.Type != JsonType.Array) return null;
                    index = (uint)CountLive(node);
                    j = p + 2;
                    if (At(path, j) == '-' && char.IsAsciiDigit(At(path, j + 1)))
                    {
                        uint x = 0;
                        j++;
                        do { x = unchecked(x * 10 + (uint)(path[j] - '0')); j++; } while (char.IsAsciiDigit(At(path, j)));
                        if (x > index) return null;
                        index -= x;
                    }
                    if (At(path, j) != ']') throw PathError(path, p);
                }
                if (node.Type != JsonType.Array) return null;
                p = j + 1;
                var element = FindIndex(node, ref index);
                if (element != null) { node = element; depth++; continue; }
                if (index == 0 && append)
                {
                    appended = true;
                    var tail = BuildAppend(path, p, depth + 1);
                    if (tail == null) return null;
                    node.Appended ??= [];
                    node.Appended.Add(tail.Value.Top);
                    return tail.Value.Leaf;
                }
                return null;
            }
            throw PathError(path, p);
        }
    }

    /// <summary>jsonLabelCompare over label, value pairs: the value of the first label spelled as the key (the label
    /// as written, escapes not decoded), or null.</summary>
    private static JsonNode? FindLabel(List<JsonNode> pairs, ReadOnlySpan<char> key)
    {
        for (int k = 0; k + 1 < pairs.Count; k += 2)
        {
            var label = pairs[k];
            var text = label.Text.AsSpan();
            if (label.Raw ? text.SequenceEqual(key) : text.Length == key.Length + 2 && text[1..^1].SequenceEqual(key)) return pairs[k + 1];
        }
        return null;
    }

    private static int CountLive(JsonNode array)
    {
        int n = 0;
        foreach (var e in array.Items!) if (!e.Removed) n++;
        if (array.Appended != null) foreach (var e in array.Appended) if (!e.Removed) n++;
        return n;
    }

    /// <summary>jsonLookupStep's index walk, over the parsed elements and then each appended one (json.c's append
    /// segments). As in json.c, the walk goes on into later segments after the element is found, so once json_set
    /// has appended, an index found early names the last appended element instead.</summary>
    private static JsonNode? FindIndex(JsonNode array, ref uint index)
    {
        var segment = array.Items!;
        int j = Walk(segment, 0, segment.Count, ref index);
        JsonNode? at = j < segment.Count ? segment[j] : null;
        if (array.Appended != null)
            for (int s = 0; s < array.Appended.Count; s++)
            {
                j = Walk(array.Appended, s, s + 1, ref index);
                at = j < s + 1 ? array.Appended[s] : null;
            }
        return at;

        static int Walk(List<JsonNode> list, int from, int to, ref uint remaining)
        {
            int j = from;
            while (j < to && (remaining > 0 || list[j].Removed))
            {
                if (!list[j].Removed) remaining--;
                j++;
            }
            return j;
        }
    }

    /// <summary>jsonLookupAppend, iteratively: the new nodes that complete the path from <paramref name="p"/> on (the
    /// top one to link, and the null leaf the path names), or null when json.c links nothing ('[N]' other than
    /// '[0]', or anything but '.' or '[0]' next). A bad key on the way is a path error, as in json.c.</summary>
    private static (JsonNode Top, JsonNode Leaf)? BuildAppend(string path, int p, int depth)
    {
        JsonNode? top = null, container = null;
        for (; ; depth++)
        {
            // json.c recurses once per level here and when rendering: sqlite3 itself dies of a stack overflow
            // somewhere past 50,000 levels, so FastDb answers only well short of that.
            if (depth > MaxAppendDepth) throw new SqlParseException($"FastDb does not support a json_set or json_insert path that nests deeper than {MaxAppendDepth} levels");
            JsonNode next;
            if (p == path.Length) next = new JsonNode(JsonType.Null);
            else if (path[p] == '.') next = new JsonNode(JsonType.Object) { Items = [] };
            else if (string.CompareOrdinal(path, p, "[0]", 0, 3) == 0) next = new JsonNode(JsonType.Array) { Items = [] };
            else return null;
            if (container == null) top = next; else container.Appended!.Add(next);
            if (next.Type == JsonType.Null) return (top!, next);
            next.Appended = [];
            if (path[p] == '.')
            {
                // jsonLookupStep on the new, empty object: its key parses (and fails) as any key does.
                p++;
                var (keyStart, keyEnd, after) = ReadKey(path, p);
                next.Appended.Add(new JsonNode(JsonType.String, path[keyStart..keyEnd]) { Raw = true });
                p = after;
            }
            else p += 3;
            container = next;
        }
    }

    /// <summary>jsonLookupStep's object key at <paramref name="p"/> (just after the '.'): "quoted" up to the next
    /// quote, or bare up to '.' or '['. An unclosed quote or an empty bare key is a path error there.</summary>
    private static (int Start, int End, int After) ReadKey(string path, int p)
    {
        int keyStart, keyEnd, after;
        if (At(path, p) == '"')
        {
            keyStart = p + 1;
            int q = keyStart;
            while (q < path.Length && path[q] != '"') q++;
            if (q >= path.Length) throw PathError(path, p);
            keyEnd = q;
            after = q + 1;
            return (keyStart, keyEnd, after); // "" is a key, the empty one
        }
        keyStart = p;
        int e = p;
        while (e < path.Length && path[e] != '.' && path[e] != '[') e++;
        keyEnd = after = e;
        if (keyEnd == keyStart) throw PathError(path, p);
        return (keyStart, keyEnd, after);
    }

    /// <summary>jsonPathSyntaxError: the path from the offending character on, quoted as %q quotes.</summary>
    private static SqlRuntimeException PathError(string path, int at) =>
        new("JSON path error near '" + path[at..].Replace("'", "''") + "'", SqlRuntimeException.Error);

    // ---- Merge patch -------------------------------------------------------------------------------------------

    /// <summary>jsonMergePatch (RFC 7396 as json.c 3.40.1 does it), iteratively. Returns the node to render: the
    /// target edited in place, or a node of the patch. json.c's quirks are kept: only the target's parsed labels are
    /// searched (a label the patch names twice is appended twice), a target value already patched or removed is
    /// skipped, and a second merge into the same object replaces the first merge's appended labels.</summary>
    public static JsonNode MergePatch(JsonNode target, JsonNode patch)
    {
        var work = new Stack<(JsonNode Target, JsonNode Patch)>();
        var result = MergeOne(target, patch, work);
        while (work.Count > 0)
        {
            var (t, p) = work.Pop();
            MergeOne(t, p, work);
        }
        return result;
    }

    /// <summary>One call of jsonMergePatch, except that merging two objects under a shared label is pushed on
    /// <paramref name="work"/> instead of recursing. Deferring it is safe: that merge edits only the target value's
    /// own subtree and never marks the value itself patched or removed, which is all this loop looks at.</summary>
    private static JsonNode MergeOne(JsonNode target, JsonNode patch, Stack<(JsonNode, JsonNode)> work)
    {
        if (patch.Type != JsonType.Object) return patch;
        if (target.Type != JsonType.Object)
        {
            RemoveAllNulls(patch);
            return patch;
        }
        bool appendedThisCall = false;
        var pItems = patch.Items!;
        var tItems = target.Items!;
        var nested = new List<(JsonNode, JsonNode)>();
        for (int i = 0; i + 1 < pItems.Count; i += 2)
        {
            var label = pItems[i];
            var value = pItems[i + 1];
            int j;
            for (j = 0; j + 1 < tItems.Count; j += 2)
            {
                if (!string.Equals(tItems[j].Text, label.Text, StringComparison.Ordinal)) continue;
                var tv = tItems[j + 1];
                if (tv.Removed || tv.Patch != null) break;
                if (value.Type == JsonType.Null) tv.Removed = true;
                else if (value.Type == JsonType.Object && tv.Type == JsonType.Object) nested.Add((tv, value));
                else tv.Patch = MergeOne(tv, value, work);
                break;
            }
            if (j + 1 >= tItems.Count && value.Type != JsonType.Null)
            {
                if (value.Type == JsonType.Object) RemoveAllNulls(value);
                // json.c hangs this call's appends on the target itself, dropping any an earlier call hung there.
                if (!appendedThisCall) { target.Appended = []; appendedThisCall = true; }
                target.Appended!.Add(new JsonNode(JsonType.String, label.Text));
                target.Appended.Add(new JsonNode(JsonType.True) { Patch = value });
            }
        }
        // Pushed in reverse so they run in label order, depth first, as json.c's recursion does.
        for (int k = nested.Count - 1; k >= 0; k--) work.Push(nested[k]);
        return target;
    }

    /// <summary>jsonRemoveAllNulls: the null values of an object, and of the objects among its values, are dropped.</summary>
    private static void RemoveAllNulls(JsonNode obj)
    {
        var work = new Stack<JsonNode>();
        work.Push(obj);
        while (work.Count > 0)
        {
            var o = work.Pop();
            var items = o.Items!;
            for (int k = 1; k < items.Count; k += 2)
            {
                if (items[k].Type == JsonType.Null) items[k].Removed = true;
                else if (items[k].Type == JsonType.Object) work.Push(items[k]);
            }
        }
    }

    // ---- Rendering ---------------------------------------------------------------------------------------------

    /// <summary>jsonRenderNode into <paramref name="sb"/>: minified, numbers and strings as written, removed nodes
    /// left out, replaced ones as their SQL value, patched ones as their patch. Throws "string or blob too big"
    /// as soon as the text passes the value limit.</summary>
    public static void Render(JsonNode root, StringBuilder sb)
    {
        try { RenderUnchecked(root, sb); }
        catch (SqlRuntimeException e) when (e.Code == EngineLimits.TooBigCode && RendersBlob(root))
        {
            // json.c builds the whole text before the length check, so a blob met on the way is the error.
            throw BlobError();
        }
    }

    private static void RenderUnchecked(JsonNode root, StringBuilder sb)
    {
        var stack = new Stack<(JsonNode Node, int Next)>();
        Emit(root, sb, stack);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            bool isObject = node.Type == JsonType.Object;
            int step = isObject ? 2 : 1;
            int parsed = node.Items!.Count, total = parsed + (node.Appended?.Count ?? 0);
            int k = next;
            while (k < total && ChildAt(node, k + (isObject ? 1 : 0), parsed).Removed) k += step;
            if (k >= total)
            {
                sb.Append(isObject ? '}' : ']');
                continue;
            }
            stack.Push((node, k + step));
            Separator(sb);
            if (isObject)
            {
                Emit(ChildAt(node, k, parsed), sb, stack);
                sb.Append(':');
                Emit(ChildAt(node, k + 1, parsed), sb, stack);
            }
            else Emit(ChildAt(node, k, parsed), sb, stack);
            CheckSize(sb); // every step adds at most one value (itself within the limit) to what was within it
        }
        CheckSize(sb);
    }

    /// <summary>Whether rendering would meet a replacement that is a blob (the same walk, writing nothing).</summary>
    private static bool RendersBlob(JsonNode root)
    {
        var work = new Stack<JsonNode>();
        work.Push(root);
        while (work.Count > 0)
        {
            var node = work.Pop();
            if (node.Replaced)
            {
                if (node.Replacement.Type == SqlType.Blob) return true;
                continue;
            }
            if (node.Patch != null) node = node.Patch;
            if (!node.IsContainer) continue;
            bool isObject = node.Type == JsonType.Object;
            int parsed = node.Items!.Count, total = parsed + (node.Appended?.Count ?? 0);
            for (int k = isObject ? 1 : 0; k < total; k += isObject ? 2 : 1)
            {
                var child = ChildAt(node, k, parsed);
                if (!child.Removed) work.Push(child);
            }
        }
        return false;
    }

    public static SqlRuntimeException BlobError() => new("JSON cannot hold BLOB values", SqlRuntimeException.Error);

    private static JsonNode ChildAt(JsonNode node, int k, int parsed) => k < parsed ? node.Items![k] : node.Appended![k - parsed];

    /// <summary>Writes a scalar whole, or a container's opening bracket and stacks it for its children.</summary>
    private static void Emit(JsonNode node, StringBuilder sb, Stack<(JsonNode, int)> stack)
    {
        if (node.Replaced)
        {
            AppendValue(sb, node.Replacement, node.ReplacementIsJson);
            return;
        }
        if (node.Patch != null) node = node.Patch;
        switch (node.Type)
        {
            case JsonType.Null: sb.Append("null"); break;
            case JsonType.True: sb.Append("true"); break;
            case JsonType.False: sb.Append("false"); break;
            case JsonType.String:
                if (node.Raw) AppendString(sb, node.Text!);
                else sb.Append(node.Text);
                break;
            case JsonType.Integer: case JsonType.Real: sb.Append(node.Text); break;
            default:
                sb.Append(node.Type == JsonType.Array ? '[' : '{');
                stack.Push((node, 0));
                break;
        }
    }

    /// <summary>jsonAppendSeparator: a comma unless the text so far ends an opening bracket.</summary>
    public static void Separator(StringBuilder sb)
    {
        if (sb.Length == 0) return;
        char c = sb[^1];
        if (c != '[' && c != '{') sb.Append(',');
    }

    public static void CheckSize(StringBuilder sb)
    {
        if (sb.Length > EngineLimits.MaxValueBytes) throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
    }

    /// <summary>jsonAppendString: in double quotes, with '"' and '\' escaped, and control characters as \b \f \n \r
    /// \t or \u00XX.</summary>
    public static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u00").Append((char)('0' + (c >> 4))).Append("0123456789abcdef"[c & 0xf]);
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>jsonAppendValue: an SQL value as JSON (a text with the JSON subtype as it is, other text quoted,
    /// reals in %!.15g as sqlite3_value_text writes them); a blob is an error. Like AppendString it leaves the
    /// length check to the caller.</summary>
    public static void AppendValue(StringBuilder sb, SqlValue v, bool isJson)
    {
        switch (v.Type)
        {
            case SqlType.Null: sb.Append("null"); break;
            case SqlType.Integer: case SqlType.Real: sb.Append(v.AsText()); break;
            case SqlType.Text:
                if (isJson) sb.Append(v.Text);
                else AppendString(sb, v.Text!);
                break;
            default: throw BlobError();
        }
    }

    // ---- SQL values of nodes -----------------------------------------------------------------------------------

    /// <summary>jsonReturn: the SQL value of a node (true 1, false 0, numbers parsed, strings decoded); arrays and
    /// objects are their JSON text, with the JSON subtype (<paramref name="isJson"/>).</summary>
    public static SqlValue ToSql(JsonNode node, out bool isJson)
    {
        isJson = false;
        switch (node.Type)
        {
            case JsonType.Null: return SqlValue.Null;
            case JsonType.True: return SqlValue.FromInteger(1);
            case JsonType.False: return SqlValue.FromInteger(0);
            case JsonType.Integer:
                if (IntegerOf(node.Text!) is { } i) return SqlValue.FromInteger(i);
                return SqlValue.FromReal(NumericText.PrefixToReal(node.Text!));
            case JsonType.Real: return SqlValue.FromReal(NumericText.PrefixToReal(node.Text!));
            case JsonType.String: return SqlValue.FromText(node.Raw ? node.Text! : Decode(node.Text!, node.Escaped));
            default:
                isJson = true;
                var sb = new StringBuilder();
                Render(node, sb);
                return SqlValue.FromText(sb.ToString());
        }
    }

    /// <summary>jsonReturn's integer: null when json.c turns it into a real (past 64 bits; -9223372036854775808 is
    /// kept).</summary>
    private static long? IntegerOf(string z)
    {
        bool negative = z[0] == '-';
        int k = negative ? 1 : 0;
        long i = 0;
        const long limit = long.MaxValue / 10;
        while (k < z.Length && char.IsAsciiDigit(z[k]))
        {
            uint v = (uint)(z[k++] - '0');
            if (i >= limit)
            {
                if (i > limit) return null;
                if (k < z.Length && char.IsAsciiDigit(z[k])) return null;
                if (v == 9) return null;
                if (v == 8) return negative ? long.MinValue : null;
            }
            i = i * 10 + v;
        }
        return negative ? -i : i;
    }

    /// <summary>A JSON string's text as jsonReturn decodes it: escapes resolved, \u0000 ending the text, and a
    /// surrogate escape without its pair refused (sqlite3 would return bytes that are not UTF-8).</summary>
    private static string Decode(string quoted, bool escaped)
    {
        if (!escaped) return quoted[1..^1];
        var sb = new StringBuilder(quoted.Length);
        int n = quoted.Length;
        for (int i = 1; i < n - 1; i++)
        {
            char c = quoted[i];
            if (c != '\\') { sb.Append(c); continue; }
            c = quoted[++i];
            if (c == 'u')
            {
                uint v = Hex4(quoted, i + 1);
                i += 4;
                if (v == 0) break;
                if ((v & 0xfc00) == 0xd800 && i < n - 6 && quoted[i + 1] == '\\' && quoted[i + 2] == 'u'
                    && (Hex4(quoted, i + 3) & 0xfc00) == 0xdc00)
                {
                    uint lo = Hex4(quoted, i + 3);
                    i += 6;
                    sb.Append((char)v).Append((char)lo);
                }
                else if ((v & 0xf800) == 0xd800)
                    throw new SqlParseException("FastDb does not support a JSON \\u escape of an unpaired surrogate (sqlite3 returns invalid UTF-8)");
                else sb.Append((char)v);
                continue;
            }
            sb.Append(c switch { 'b' => '\b', 'f' => '\f', 'n' => '\n', 'r' => '\r', 't' => '\t', _ => c });
        }
        return sb.ToString();
    }

    private static uint Hex4(string z, int i)
    {
        uint v = 0;
        for (int k = 0; k < 4; k++)
        {
            char c = z[i + k];
            v = (v << 4) | (uint)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        return v;
    }
}
