"""The book's tcp_charfinder server (Fluent Python, 1st edition, chapter 18),
on Python 3's `asyncio.start_server`, for the `charfinder_cpu` row of
oneloop-bench: the same protocol as the repository's `tcp_charfinder`
example, served the way the book serves it.

Run it: `python3 tcp_charfinder.py [ADDR [PORT]]` (default 127.0.0.1 2323),
then `nc 127.0.0.1 2323`.

The loop is the book's, line for line: the prompt is written and drained on
its own, each answer is `writelines` of freshly encoded lines and drained, and
every query is logged with `print`. What differs, each the fix the repository's
REFERENCE states for the Rust example:

- end of stream closes the connection (the book looped for ever, prompting
  nobody); a last line without `\\n` is still answered first;
- a line over 64 KiB (65,536 bytes before its `\\n`: the stream's `limit`)
  gets `line too long` and the connection is closed (the book let the error
  escape);
- Ctrl-C prints `Server shutting down.` (the book's `asyncio.run` printed a
  traceback).
"""

import asyncio
import sys

from charfinder import UnicodeNameIndex

CRLF = b'\r\n'
PROMPT = b'?> '
MAX_LINE = 64 * 1024

index = UnicodeNameIndex()


async def handle_queries(reader, writer):
    while True:
        writer.write(PROMPT)  # can't await!
        await writer.drain()  # must await!
        try:
            data = await reader.readline()
        except (asyncio.LimitOverrunError, ValueError):
            writer.write(b'line too long' + CRLF)
            await writer.drain()
            break
        if not data:  # end of stream
            break
        try:
            query = data.decode().strip()
        except UnicodeDecodeError:
            query = '\x00'
        client = writer.get_extra_info('peername')
        print('Received from {}: {!r}'.format(client, query))
        if query:
            if ord(query[:1]) < 32:
                break
            lines = list(index.find_description_strs(query))
            if lines:
                writer.writelines(line.encode() + CRLF for line in lines)
            writer.write(index.status(query, len(lines)).encode() + CRLF)

            await writer.drain()
            print('Sent {} results'.format(len(lines)))
        if not data.endswith(b'\n'):  # the last line, without its newline
            writer.write(PROMPT)
            await writer.drain()
            break

    print('Close the client socket')
    writer.close()


async def main(address='127.0.0.1', port=2323):
    port = int(port)
    server = await asyncio.start_server(handle_queries, address, port,
                                        limit=MAX_LINE)
    host = server.sockets[0].getsockname()
    print('Serving on {}. Hit CTRL-C to stop.'.format(host))

    async with server:
        await server.serve_forever()


if __name__ == '__main__':
    try:
        asyncio.run(main(*sys.argv[1:]))
    except KeyboardInterrupt:
        print('Server shutting down.')
