#!/usr/bin/env python3
"""A recording TCP proxy between Kafka clients and a broker's Kafka listener, for the kafka
fuzz target's corpus (tests/fuzz/corpus/kafka): every request frame a client sends is parsed
from the client-to-broker byte stream and kept, without its 4-byte size, as
OUT_DIR/api<KEY>-v<VERSION>[-<codec>] (Produce frames are named by the compression codec of
their first record batch): the smallest frame per name, at most MAX_BYTES. Responses are
passed through untouched.

  kafka_record_proxy.py LISTEN_HOST:PORT BROKER_HOST:PORT OUT_DIR [MAX_BYTES]

The clients must come back to the proxy after Metadata: run the broker with
--kafka-listen BROKER_HOST:PORT and --advertised-host LISTEN_HOST on the same port (e.g.
127.0.0.2:9092 behind 127.0.0.1:9092); tests/fuzz/kafka_capture_corpus.sh does that.
Runs until killed.
"""
import os
import socket
import struct
import sys
import threading

CODECS = {0: 'none', 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd'}
lock = threading.Lock()


def produce_codec(frame):
    """The codec of a Produce frame's first record batch: the attributes of a RecordBatch v2
    follow baseOffset(8) length(4) leaderEpoch(4) magic(1) crc(4); found by its magic byte 2
    after the first records length, which is simpler than decoding every version's layout."""
    for at in range(len(frame) - 23):
        if frame[at + 16] == 2 and frame[at:at + 8] == b'\0' * 8:
            attributes = struct.unpack('>h', frame[at + 21:at + 23])[0]
            return CODECS.get(attributes & 7, 'codec%d' % (attributes & 7))
    return None


def keep(out_dir, max_bytes, frame):
    if len(frame) < 8 or len(frame) > max_bytes:
        return
    api_key, version = struct.unpack('>hh', frame[:4])
    name = 'api%02d-v%d' % (api_key, version)
    if api_key == 0:
        codec = produce_codec(frame)
        if codec:
            name += '-' + codec
    path = os.path.join(out_dir, name)
    with lock:
        if os.path.exists(path) and os.path.getsize(path) <= len(frame):
            return
        with open(path, 'wb') as f:
            f.write(frame)


def pump(source, target, record):
    buffered = b''
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
            if record is None:
                continue
            buffered += data
            while len(buffered) >= 4:
                size = struct.unpack('>i', buffered[:4])[0]
                if size < 0 or len(buffered) < 4 + size:
                    break
                record(buffered[4:4 + size])
                buffered = buffered[4 + size:]
    except OSError:
        pass
    finally:
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    listen_host, listen_port = sys.argv[1].rsplit(':', 1)
    broker_host, broker_port = sys.argv[2].rsplit(':', 1)
    out_dir = sys.argv[3]
    max_bytes = int(sys.argv[4]) if len(sys.argv) == 5 else 65536
    os.makedirs(out_dir, exist_ok=True)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((listen_host, int(listen_port)))
    server.listen(64)
    while True:
        client, _ = server.accept()
        broker = socket.create_connection((broker_host, int(broker_port)))
        record = lambda frame: keep(out_dir, max_bytes, frame)  # noqa: E731
        threading.Thread(target=pump, args=(client, broker, record), daemon=True).start()
        threading.Thread(target=pump, args=(broker, client, None), daemon=True).start()


if __name__ == '__main__':
    main()
