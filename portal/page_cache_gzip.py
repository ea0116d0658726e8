"""gzip bodies for cached pages, compressed once when stored: a hit compresses only its own secrets (issue 17).

Pure functions, no Flask.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

NONCE_PLACEHOLDER = "\x00nonce\x00"
CSRF_PLACEHOLDER = "\x00csrf\x00"
_SECRETS = re.compile(f"({re.escape(NONCE_PLACEHOLDER)}|{re.escape(CSRF_PLACEHOLDER)})")
# A gzip member header (no name, no time, OS unknown) and the final, empty fixed-Huffman deflate block.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_FINAL_BLOCK = b"\x03\x00"


def _deflate_piece(data: bytes, level: int) -> bytes:
    """Raw deflate of one piece on its own, ending on a byte boundary with a non-final block (a sync flush), so pieces
    compressed apart can be joined into one stream."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


_MASK = 0xFFFFFFFF


def _crc_register(data: bytes, register: int) -> int:
    """The CRC-32 register after ``data`` starting from ``register``, without zlib's inversions (so it is linear)."""
    return ~zlib.crc32(data, ~register & _MASK) & _MASK


def _crc_shift(columns: tuple[int, ...], register: int) -> int:
    """Apply a precomputed 32×32 bit matrix (one column per register bit) to ``register``."""
    result = 0
    for column in columns:
        if not register:
            break
        if register & 1:
            result ^= column
        register >>= 1
    return result


def gzip_pieces(body: str, level: int) -> list[tuple[bytes, int, int, tuple[int, ...]] | str]:
    """A stored body compressed once, when it is stored, so a hit compresses only its own nonce and token.

    Each run of text between the per-response secrets becomes (raw deflate ending on a byte boundary, its length, its
    CRC-32 contribution, the CRC-32 register's 32×32 bit matrix over that many bytes); each secret stays its
    placeholder. With these a hit builds its gzip body and trailer without the uncompressed page: CRC-32 is linear,
    so the register after a run is ``matrix · register ⊕ contribution``.
    """
    pieces: list[tuple[bytes, int, int, tuple[int, ...]] | str] = []
    for piece in _SECRETS.split(body):
        if piece in (NONCE_PLACEHOLDER, CSRF_PLACEHOLDER):
            pieces.append(piece)
        elif piece:
            data = piece.encode()
            zeros = bytes(len(data))
            columns = tuple(_crc_register(zeros, 1 << bit) for bit in range(32))
            pieces.append((_deflate_piece(data, level), len(data), _crc_register(data, 0), columns))
    return pieces


def gzip_from_pieces(pieces: list[Any], secrets_: dict[str, str], level: int) -> bytes:
    """The gzip body of one response: the stored pieces with this response's secrets compressed in between, and the
    trailer (CRC-32 and length of the page) worked out from the pieces' CRC matrices."""
    chunks = [_GZIP_HEADER]
    register = _MASK
    size = 0
    for piece in pieces:
        if isinstance(piece, str):
            data = secrets_[piece].encode()
            chunks.append(_deflate_piece(data, level))
            register = _crc_register(data, register)
            size += len(data)
        else:
            compressed, length, contribution, columns = piece
            chunks.append(compressed)
            register = _crc_shift(columns, register) ^ contribution
            size += length
    chunks.append(_FINAL_BLOCK)
    chunks.append(struct.pack("<II", ~register & _MASK, size & _MASK))
    return b"".join(chunks)
