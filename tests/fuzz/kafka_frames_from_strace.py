#!/usr/bin/env python3
"""Extracts Kafka request frames from an strace of a broker serving real clients, for the
kafka fuzz target's corpus (tests/fuzz/corpus/kafka).

  strace -f -qq -e trace=read,recvfrom -xx -s 1048576 -o TRACE build/bin/kafka_kcat_test ...
  kafka_frames_from_strace.py TRACE OUT_DIR [MAX_BYTES]

Every process's reads are followed per file descriptor; a stream whose bytes parse as
size-prefixed frames starting with a request header of an API the broker speaks (see
broker/kafka/protocol/api_keys.h) gives its frames (without the size), the smallest per API,
version and, for Produce, compression codec, each at most MAX_BYTES (default 65536).
"""
import re
import struct
import sys
from collections import defaultdict

SPOKEN = {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 32, 36, 37, 42, 60}
UNFINISHED = re.compile(r'^(\d+)\s+(?:read|recvfrom)\((\d+), <unfinished')
RESUMED = re.compile(
    r'^(\d+)\s+<\.\.\. (?:read|recvfrom) resumed>"((?:\\x[0-9a-f]{2})*)"(?:\.\.\.)?,.*\) = (\d+)')
READ = re.compile(
    r'^(\d+)\s+(?:read|recvfrom)\((\d+), "((?:\\x[0-9a-f]{2})*)"(?:\.\.\.)?, \d+.*\) = (\d+)')


def frames(stream):
    out = []
    pos = 0
    while pos + 4 <= len(stream):
        size = struct.unpack('>i', stream[pos:pos + 4])[0]
        if size < 8 or pos + 4 + size > len(stream):
            break
        body = stream[pos + 4:pos + 4 + size]
        api_key, version = struct.unpack('>hh', body[:4])
        if api_key not in SPOKEN or not 0 <= version <= 20:
            return []
        out.append(body)
        pos += 4 + size
    return out


def produce_codec(body):
    # A RecordBatch: partition leader epoch (-1 or 0), magic 2, CRC, then the attributes,
    # whose low 3 bits are the codec. One frame per codec is kept.
    for epoch in (b'\xff\xff\xff\xff\x02', b'\x00\x00\x00\x00\x02'):
        at = body.find(epoch)
        if at >= 0 and at + 10 < len(body):
            return body[at + 10] & 7
    return -1


def main():
    trace, out_dir = sys.argv[1], sys.argv[2]
    max_bytes = int(sys.argv[3]) if len(sys.argv) > 3 else 65536
    streams = defaultdict(bytearray)
    pending = {}
    with open(trace) as lines:
        for line in lines:
            m = READ.match(line)
            if m and int(m.group(4)) > 0:
                data = bytes.fromhex(m.group(3).replace('\\x', ''))
                streams[(m.group(1), m.group(2))] += data
                continue
            m = UNFINISHED.match(line)
            if m:
                pending[m.group(1)] = m.group(2)  # the thread's read resumes on a later line
                continue
            m = RESUMED.match(line)
            if m and m.group(1) in pending and int(m.group(3)) > 0:
                data = bytes.fromhex(m.group(2).replace('\\x', ''))
                streams[(m.group(1), pending.pop(m.group(1)))] += data
    best = {}
    for stream in streams.values():
        for body in frames(bytes(stream)):
            if len(body) > max_bytes:
                continue
            api_key, version = struct.unpack('>hh', body[:4])
            key = (api_key, version, produce_codec(body) if api_key == 0 else 0)
            if key not in best or len(body) < len(best[key]):
                best[key] = body
    for (api_key, version, codec), body in sorted(best.items()):
        name = f'{out_dir}/api{api_key:02d}-v{version}' + (f'-codec{codec}' if api_key == 0 else '')
        with open(name, 'wb') as f:
            f.write(body)
    print(f'{len(best)} frames from {len(streams)} streams')


if __name__ == '__main__':
    main()
