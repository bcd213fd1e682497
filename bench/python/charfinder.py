"""The book's Unicode character finder (Fluent Python, 1st edition, chapter 18,
charfinder.py), ported to Python 3 with the standard library only, for the
`charfinder_cpu` row of oneloop-bench.

It is the book's design, kept on purpose: an inverted index `word -> set of
characters` built from `unicodedata.name()` at start-up; a query is the
intersection of its words' sets, sorted; every result line is formatted on
demand by `find_description_strs` as 'U+%04X\\t%s\\t%s' padded to 7 columns.

Where it differs from the book, so that it answers exactly what the Rust
`charindex` crate answers (the tcp_charfinder protocol of the repository's
REFERENCE, which both servers speak):

- the book pickled the index to a file to save start-up time; this builds it
  in memory each time (about 1.5 s), as the benchmark only times queries;
- `U+XXXX` (4 to 6 hex digits) finds that character, and a query made only of
  non-ASCII, non-space characters describes those characters: the book wrote
  `query_type()` for both and never wired it up; `charindex` does;
- repeated query words are looked up once (the book intersected a set with
  itself; same answer, less work).

One difference remains and is not a port's choice: names come from this
Python's `unicodedata` (Python 3.11: Unicode 14.0), while `charindex` uses
Unicode 17.0, so characters assigned since (e.g. some `SIGN`s, `DIGIT`s) are
found by the Rust server only. `unicodedata.unidata_version` says which
version this is.
"""

import re
import sys
import unicodedata

RE_WORD = re.compile(r'\w+')
RE_CODE_POINT = re.compile(r'[Uu]\+([0-9A-Fa-f]{4,6})\Z')

CJK_UNI_PREFIX = 'CJK UNIFIED IDEOGRAPH'
CJK_CMP_PREFIX = 'CJK COMPATIBILITY IDEOGRAPH'


def tokenize(text):
    """Return iterable of uppercased words"""
    for match in RE_WORD.finditer(text):
        yield match.group().upper()


def name_of(char):
    """The Unicode name of `char`, or None if it has none."""
    return unicodedata.name(char, None)


class UnicodeNameIndex:

    def __init__(self, chars=None):
        self.build_index(chars)

    def build_index(self, chars=None):
        if chars is None:
            chars = (chr(i) for i in range(32, sys.maxunicode))
        index = {}
        for char in chars:
            name = name_of(char)
            if name is None:
                continue
            if name.startswith(CJK_UNI_PREFIX):
                name = CJK_UNI_PREFIX
            elif name.startswith(CJK_CMP_PREFIX):
                name = CJK_CMP_PREFIX

            for word in tokenize(name):
                index.setdefault(word, set()).add(char)

        self.index = index

    def find_chars(self, query):
        """The characters `query` finds, sorted by code point."""
        query = query.strip()
        match = RE_CODE_POINT.match(query)
        if match:
            code = int(match.group(1), 16)
            if code > sys.maxunicode or 0xD800 <= code <= 0xDFFF:
                return []
            char = chr(code)
            return [char] if name_of(char) else []
        if query and all(not c.isascii() and not c.isspace() for c in query):
            return sorted(c for c in set(query) if name_of(c))
        result_sets = []
        for word in set(tokenize(query)):
            chars = self.index.get(word)
            if chars is None:  # shortcut: no such word
                result_sets = []
                break
            result_sets.append(chars)

        if not result_sets:
            return []

        result = set.intersection(*result_sets)
        return sorted(result)

    def describe(self, char):
        code_str = 'U+{:04X}'.format(ord(char))
        name = unicodedata.name(char)
        return code_str, char, name

    def describe_str(self, char):
        return '{:7}\t{}\t{}'.format(*self.describe(char))

    def find_description_strs(self, query):
        for char in self.find_chars(query):
            yield self.describe_str(char)

    def status(self, query, counter):
        if counter == 0:
            msg = 'No match'
        elif counter == 1:
            msg = '1 match'
        else:
            msg = '{} matches'.format(counter)
        return '{} for {!r}'.format(msg, query)


def main(*args):
    index = UnicodeNameIndex()
    query = ' '.join(args)
    n = 0
    for n, line in enumerate(index.find_description_strs(query), 1):
        print(line)
    print('({})'.format(index.status(query, n)))


if __name__ == '__main__':
    if len(sys.argv) > 1:
        main(*sys.argv[1:])
    else:
        print('Usage: {} word1 [word2]...'.format(sys.argv[0]))
