"""More held-out focal functions for the unit-test-generation benchmark (see unit_focal_basics.py): parsing
small record formats, dictionaries and grouping, text edits. Written for this project; pure, no imports."""


def parse_semver(version):
    """Parse 'MAJOR.MINOR.PATCH' with an optional '-prerelease' into (major, minor, patch, prerelease or '').

    >>> parse_semver("1.4.2"), parse_semver("2.0.0-rc.1")
    ((1, 4, 2, ''), (2, 0, 0, 'rc.1'))
    """
    core, _, pre = version.strip().partition("-")
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a semantic version: {version!r}")
    if "-" in version and not pre:
        raise ValueError("empty prerelease")
    major, minor, patch = (int(p) for p in parts)
    return major, minor, patch, pre


def compare_versions(a, b):
    """-1, 0 or 1 as dotted numeric version a is older than, equal to or newer than b; missing parts count as 0.

    >>> compare_versions("1.2", "1.10"), compare_versions("2.0.0", "2"), compare_versions("3.1", "3.0.9")
    (-1, 0, 1)
    """
    xs = [int(p) for p in a.split(".")]
    ys = [int(p) for p in b.split(".")]
    width = max(len(xs), len(ys))
    xs += [0] * (width - len(xs))
    ys += [0] * (width - len(ys))
    if xs < ys:
        return -1
    return 1 if xs > ys else 0


def parse_query_string(query):
    """Parse 'a=1&b=2&a=3' into {'a': ['1', '3'], 'b': ['2']}; a key without '=' gets ''; '+' means a space.

    >>> parse_query_string("q=hello+world&tag=a&tag=b&flag")
    {'q': ['hello world'], 'tag': ['a', 'b'], 'flag': ['']}
    """
    result = {}
    for piece in query.lstrip("?").split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        result.setdefault(key.replace("+", " "), []).append(value.replace("+", " "))
    return result


def group_by(items, key):
    """Group items into a dict of lists by key(item), keeping first-seen key order and item order.

    >>> group_by(["apple", "avocado", "banana", "blueberry", "cherry"], lambda s: s[0])
    {'a': ['apple', 'avocado'], 'b': ['banana', 'blueberry'], 'c': ['cherry']}
    """
    groups = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def invert_dict(mapping):
    """Swap keys and values; ValueError when two keys share a value.

    >>> invert_dict({"a": 1, "b": 2})
    {1: 'a', 2: 'b'}
    """
    inverted = {}
    for k, v in mapping.items():
        if v in inverted:
            raise ValueError(f"value {v!r} appears for {inverted[v]!r} and {k!r}")
        inverted[v] = k
    return inverted


def deep_merge(base, override):
    """A new dict: override's entries win, nested dicts are merged recursively; inputs are not changed.

    >>> deep_merge({"a": 1, "b": {"x": 1, "y": 2}}, {"b": {"y": 3, "z": 4}, "c": 5})
    {'a': 1, 'b': {'x': 1, 'y': 3, 'z': 4}, 'c': 5}
    """
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def dedupe_preserving_order(items):
    """Items without repeats, first occurrence kept, in the original order (items must be hashable).

    >>> dedupe_preserving_order([3, 1, 3, 2, 1])
    [3, 1, 2]
    """
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def longest_common_prefix(words):
    """The longest string that every word starts with ('' for no words).

    >>> longest_common_prefix(["interval", "internet", "interior"]), longest_common_prefix([])
    ('inter', '')
    """
    if not words:
        return ""
    prefix = min(words)
    last = max(words)
    i = 0
    while i < len(prefix) and i < len(last) and prefix[i] == last[i]:
        i += 1
    return prefix[:i]


def balanced_brackets(text):
    """True if (), [] and {} in text are balanced and properly nested; other characters are ignored.

    >>> balanced_brackets("f(a[1], {b: 2})"), balanced_brackets("(]"), balanced_brackets("((")
    (True, False, False)
    """
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack


def levenshtein(a, b):
    """Edit distance between two strings (insertions, deletions, substitutions cost 1).

    >>> levenshtein("kitten", "sitting"), levenshtein("", "abc"), levenshtein("same", "same")
    (3, 3, 0)
    """
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def hamming_distance(a, b):
    """Number of positions where equal-length strings differ; ValueError for different lengths.

    >>> hamming_distance("karolin", "kathrin")
    3
    """
    if len(a) != len(b):
        raise ValueError("strings differ in length")
    return sum(x != y for x, y in zip(a, b, strict=True))


def truncate_words(text, limit, ellipsis="..."):
    """Shorten text to at most `limit` characters, cutting at a word boundary and adding the ellipsis.

    >>> truncate_words("the quick brown fox", 12), truncate_words("short", 10)
    ('the quick...', 'short')
    """
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    if room <= 0:
        raise ValueError("limit too small for the ellipsis")
    cut = text[:room + 1]
    space = cut.rfind(" ")
    head = cut[:space] if space > 0 else text[:room]
    return head.rstrip() + ellipsis


def title_case(text, minor=("a", "an", "and", "of", "the", "in", "on", "to")):
    """Capitalise each word except minor words, which stay lower-case unless first or last.

    >>> title_case("the lord of the rings"), title_case("what it is made of")
    ('The Lord of the Rings', 'What It Is Made Of')
    """
    words = text.lower().split()
    out = []
    for i, word in enumerate(words):
        if 0 < i < len(words) - 1 and word in minor:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def caesar_shift(text, shift):
    """Shift ASCII letters by `shift` places around the alphabet, keeping case; other characters unchanged.

    >>> caesar_shift("Hello, World!", 3), caesar_shift("abc", -1)
    ('Khoor, Zruog!', 'zab')
    """
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + shift) % 26 + 97))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + shift) % 26 + 65))
        else:
            out.append(ch)
    return "".join(out)


def mask_email(address):
    """Hide the local part of an e-mail address except its first and last character: 'j***e@example.org'.

    >>> mask_email("jane.doe@example.org"), mask_email("ab@x.io"), mask_email("a@x.io")
    ('j******e@example.org', 'a*@x.io', '*@x.io')
    """
    local, at, domain = address.partition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an e-mail address: {address!r}")
    if len(local) == 1:
        return "*@" + domain
    if len(local) == 2:
        return local[0] + "*@" + domain
    return local[0] + "*" * (len(local) - 2) + local[-1] + "@" + domain


def cumulative_sums(values):
    """Running totals of a sequence of numbers.

    >>> cumulative_sums([3, -1, 4, 1]), cumulative_sums([])
    ([3, 2, 6, 7], [])
    """
    total = 0
    out = []
    for v in values:
        total += v
        out.append(total)
    return out


def percent_change(old, new):
    """Percentage change from old to new, rounded to two decimals; ValueError when old is 0.

    >>> percent_change(50, 75), percent_change(80, 60)
    (50.0, -25.0)
    """
    if old == 0:
        raise ValueError("percent change from zero is undefined")
    return round((new - old) / abs(old) * 100, 2)


def histogram(values, bins, low, high):
    """Counts of values in `bins` equal-width bins over [low, high]; values outside are ignored, `high` itself
    falls in the last bin.

    >>> histogram([0, 1, 2, 2, 9, 10, 11], 5, 0, 10)
    [2, 2, 0, 0, 2]
    """
    if bins <= 0 or high <= low:
        raise ValueError("need bins > 0 and high > low")
    counts = [0] * bins
    width = (high - low) / bins
    for v in values:
        if v < low or v > high:
            continue
        index = min(int((v - low) / width), bins - 1)
        counts[index] += 1
    return counts


def wrap_words(text, width):
    """Greedy word wrap into lines of at most `width` characters; a longer word gets a line of its own.

    >>> wrap_words("the quick brown fox jumps over", 10)
    ['the quick', 'brown fox', 'jumps over']
    """
    lines, current = [], ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def parse_key_values(text):
    """Parse 'key = value' lines into a dict; '#' starts a comment, blank lines are skipped, a value may be
    quoted, a line without '=' is a ValueError naming its line number.

    >>> parse_key_values('name = "demo"  # the name\\n\\nsize=3')
    {'name': 'demo', 'size': '3'}
    """
    result = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, eq, value = line.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"line {number}: expected key = value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        result[key.strip()] = value
    return result
