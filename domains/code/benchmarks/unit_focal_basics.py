"""Held-out focal functions for the unit-test-generation benchmark, written for this project: small, pure
(no I/O, no imports, no global state), each with branches worth covering and a docstring whose examples are
doctests. Each function is the reference implementation a generated test must pass; mutants of it should fail.
domains/code/benchmark_tasks.py loads them one by one (each function's source runs alone)."""


def clamp(value, low, high):
    """Limit value to the closed range [low, high]; ValueError if low > high.

    >>> clamp(5, 0, 3), clamp(-1, 0, 3), clamp(2, 0, 3)
    (3, 0, 2)
    """
    if low > high:
        raise ValueError("low must not exceed high")
    if value < low:
        return low
    if value > high:
        return high
    return value


def chunk_list(items, size):
    """Split a list into consecutive chunks of `size` items; the last chunk may be shorter.

    >>> chunk_list([1, 2, 3, 4, 5], 2)
    [[1, 2], [3, 4], [5]]
    """
    if size <= 0:
        raise ValueError("size must be positive")
    return [items[i:i + size] for i in range(0, len(items), size)]


def run_length_encode(text):
    """Encode a string as a list of (character, count) runs.

    >>> run_length_encode("aaabccdd")
    [('a', 3), ('b', 1), ('c', 2), ('d', 2)]
    """
    runs = []
    for ch in text:
        if runs and runs[-1][0] == ch:
            runs[-1] = (ch, runs[-1][1] + 1)
        else:
            runs.append((ch, 1))
    return runs


def run_length_decode(runs):
    """Inverse of run_length_encode: rebuild the string from (character, count) runs; counts must be positive.

    >>> run_length_decode([('x', 2), ('y', 1)])
    'xxy'
    """
    parts = []
    for ch, count in runs:
        if count <= 0:
            raise ValueError(f"bad count {count} for {ch!r}")
        parts.append(ch * count)
    return "".join(parts)


def is_palindrome_phrase(text):
    """True if the letters and digits of `text`, lower-cased, read the same backwards.

    >>> is_palindrome_phrase("A man, a plan, a canal: Panama"), is_palindrome_phrase("abc")
    (True, False)
    """
    kept = [c.lower() for c in text if c.isalnum()]
    return kept == kept[::-1]


def roman_to_int(numeral):
    """Value of a Roman numeral written with subtractive pairs (IV, IX, XL, XC, CD, CM).

    >>> roman_to_int("MCMXCIV"), roman_to_int("iii")
    (1994, 3)
    """
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total, previous = 0, 0
    for ch in reversed(numeral.upper()):
        if ch not in values:
            raise ValueError(f"not a Roman digit: {ch!r}")
        value = values[ch]
        if value < previous:
            total -= value
        else:
            total += value
            previous = value
    return total


def int_to_roman(number):
    """Roman numeral for 1 <= number <= 3999.

    >>> int_to_roman(1994), int_to_roman(4)
    ('MCMXCIV', 'IV')
    """
    if not 1 <= number <= 3999:
        raise ValueError("number out of range 1..3999")
    table = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
             (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = []
    for value, letters in table:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def luhn_valid(digits):
    """True if a string of digits (spaces allowed) passes the Luhn checksum; False for fewer than two digits.

    >>> luhn_valid("4539 3195 0343 6467"), luhn_valid("8273 1232 7352 0569")
    (True, False)
    """
    clean = digits.replace(" ", "")
    if len(clean) < 2 or not clean.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(clean)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def flatten(nested):
    """Flatten arbitrarily nested lists and tuples into one list; strings stay whole.

    >>> flatten([1, [2, (3, [4])], "ab"])
    [1, 2, 3, 4, 'ab']
    """
    out = []
    for item in nested:
        if isinstance(item, list | tuple):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out


def merge_intervals(intervals):
    """Merge overlapping or touching closed intervals given as (start, end) pairs; the result is sorted.

    >>> merge_intervals([(5, 7), (1, 3), (2, 4), (7, 8)])
    [(1, 4), (5, 8)]
    """
    merged = []
    for start, end in sorted(intervals):
        if start > end:
            raise ValueError(f"interval ({start}, {end}) ends before it starts")
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def word_frequencies(text):
    """Count words, case-insensitively, ignoring surrounding punctuation; most frequent first, ties
    alphabetical.

    >>> word_frequencies("The cat; the hat. A cat!")
    [('cat', 2), ('the', 2), ('a', 1), ('hat', 1)]
    """
    counts = {}
    for raw in text.split():
        word = raw.strip(".,;:!?\"'()").lower()
        if word:
            counts[word] = counts.get(word, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def snake_to_camel(name):
    """Convert snake_case to lowerCamelCase; leading underscores are kept, repeated underscores collapse.

    >>> snake_to_camel("parse_http_response"), snake_to_camel("_private__name")
    ('parseHttpResponse', '_privateName')
    """
    stripped = name.lstrip("_")
    prefix = name[: len(name) - len(stripped)]
    words = [w for w in stripped.split("_") if w]
    if not words:
        return name
    return prefix + words[0].lower() + "".join(w.capitalize() for w in words[1:])


def camel_to_snake(name):
    """Convert CamelCase or camelCase to snake_case; runs of capitals stay together (HTTPServer -> http_server).

    >>> camel_to_snake("HTTPServerError"), camel_to_snake("parseValue")
    ('http_server_error', 'parse_value')
    """
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i > 0:
            prev_lower = name[i - 1].islower() or name[i - 1].isdigit()
            next_lower = i + 1 < len(name) and name[i + 1].islower()
            if prev_lower or (next_lower and name[i - 1].isupper()):
                out.append("_")
        out.append(ch.lower())
    return "".join(out)


def normalize_whitespace(text):
    """Collapse every run of whitespace to one space and strip both ends.

    >>> normalize_whitespace("  a \\t b\\n\\nc  ")
    'a b c'
    """
    return " ".join(text.split())


def parse_duration(text):
    """Seconds in a duration such as '1h30m', '45s' or '2d4h'; units d, h, m, s, each at most once, in that
    order.

    >>> parse_duration("1h30m"), parse_duration("2d4h5s")
    (5400, 187205)
    """
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    order = "dhms"
    total, number, last = 0, "", -1
    for ch in text.strip():
        if ch.isdigit():
            number += ch
        elif ch in units:
            if not number or order.index(ch) <= last:
                raise ValueError(f"malformed duration: {text!r}")
            total += int(number) * units[ch]
            number, last = "", order.index(ch)
        else:
            raise ValueError(f"unknown unit {ch!r}")
    if number or last < 0:
        raise ValueError(f"malformed duration: {text!r}")
    return total


def format_bytes(size):
    """Human-readable size with binary prefixes and one decimal (B, KiB, MiB, GiB, TiB).

    >>> format_bytes(512), format_bytes(1536), format_bytes(3 * 1024 ** 3)
    ('512 B', '1.5 KiB', '3.0 GiB')
    """
    if size < 0:
        raise ValueError("size must not be negative")
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"


def median(values):
    """Median of a non-empty sequence of numbers (mean of the middle two for an even count).

    >>> median([3, 1, 2]), median([4, 1, 3, 2])
    (2, 2.5)
    """
    if not values:
        raise ValueError("median of an empty sequence")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def moving_average(values, window):
    """Averages of each full window of `window` consecutive values.

    >>> moving_average([1, 2, 3, 4, 5], 3)
    [2.0, 3.0, 4.0]
    """
    if window <= 0:
        raise ValueError("window must be positive")
    if window > len(values):
        return []
    total = sum(values[:window])
    out = [total / window]
    for i in range(window, len(values)):
        total += values[i] - values[i - window]
        out.append(total / window)
    return out


def binary_search(items, target):
    """Index of `target` in the sorted list `items`, or -1 when absent (the leftmost index if repeated).

    >>> binary_search([1, 3, 3, 5, 8], 3), binary_search([1, 3, 5], 4)
    (1, -1)
    """
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < len(items) and items[lo] == target else -1


def is_prime(n):
    """True for prime integers; False for n < 2.

    >>> [k for k in range(20) if is_prime(k)]
    [2, 3, 5, 7, 11, 13, 17, 19]
    """
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    k = 3
    while k * k <= n:
        if n % k == 0:
            return False
        k += 2
    return True


def prime_factors(n):
    """Prime factors of n >= 2 in non-decreasing order, with repetition.

    >>> prime_factors(360), prime_factors(97)
    ([2, 2, 2, 3, 3, 5], [97])
    """
    if n < 2:
        raise ValueError("n must be at least 2")
    factors, k = [], 2
    while k * k <= n:
        while n % k == 0:
            factors.append(k)
            n //= k
        k += 1
    if n > 1:
        factors.append(n)
    return factors


def digital_root(n):
    """Repeatedly sum the decimal digits of a non-negative integer until one digit is left.

    >>> digital_root(493193), digital_root(0)
    (2, 0)
    """
    if n < 0:
        raise ValueError("n must not be negative")
    while n >= 10:
        n = sum(int(d) for d in str(n))
    return n


def transpose(matrix):
    """Transpose a rectangular list of lists; ValueError for ragged rows.

    >>> transpose([[1, 2, 3], [4, 5, 6]])
    [[1, 4], [2, 5], [3, 6]]
    """
    if not matrix:
        return []
    width = len(matrix[0])
    if any(len(row) != width for row in matrix):
        raise ValueError("rows have different lengths")
    return [[row[j] for row in matrix] for j in range(width)]


def rotate_list(items, k):
    """Rotate right by k places (negative k rotates left); returns a new list.

    >>> rotate_list([1, 2, 3, 4, 5], 2), rotate_list([1, 2, 3], -1), rotate_list([], 3)
    ([4, 5, 1, 2, 3], [2, 3, 1], [])
    """
    if not items:
        return []
    k %= len(items)
    return items[-k:] + items[:-k] if k else list(items)
