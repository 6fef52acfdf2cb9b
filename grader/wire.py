"""The data format between the judge and a student's process: plain data only.

A message is a JSON document plus raw array buffers. Decoding builds nothing but
None, bools, numbers, strings, bytes, lists, tuples, dicts and NumPy arrays of a
fixed set of numeric dtypes, so reading a hostile message cannot run code (no
pickle). Objects that are not plain data stay in the process that owns them and
travel as handles ``{"__h__": id}``.

This module is copied next to the child process and imported there too, so it
depends on the standard library and NumPy alone.
"""

from __future__ import annotations

import json
import math
import socket
import struct

import numpy as np

# Every dtype that may cross the boundary, by its exact ``dtype.str``.
DTYPES = {
    s: np.dtype(s)
    for s in ("|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8", "<c8", "<c16")
}
MAX_DEPTH = 64
MAX_NODES = 1_000_000
# The JSON part of a message (everything but the raw buffers of arrays and bytes) may not exceed
# MAX_JSON_BYTES; a frame announcing more is refused from its first 24 bytes (see `recv`). Arrays
# travel as buffers, so every answer of weeks 1-3 has a JSON part under 1 KB (measured over the
# reference and the example submissions). Lists of numbers do not: each number is a JSON number of
# at most 25 bytes with its comma. The largest numeric result any check asks for is week 3's
# conv2d_forward, 111 616 numbers (then random_flip_crop and week 2's initialisers, 60 000): returned
# with .tolist() instead of as an array it takes at most 2.8 MB, under the cap with room to spare.
# Parsing costs at most ~21 times the JSON's size ("[]," is 3 bytes, a Python list 64), and `decode`
# refuses more than MAX_NODES lists and objects before parsing, so a hostile worker can make the
# judge hold about 100 MB at most, not the gigabytes a 250 MB frame of empty lists took.
MAX_JSON_BYTES = 8 << 20
_LEN = struct.Struct("<Q")
_HEAD = struct.Struct("<QQ")  # a message's first 16 bytes: the JSON part's length, the number of buffers


class WireError(ValueError):
    """A message that is malformed, too large, or holds something that is not plain data."""


class Unencodable(TypeError):
    """A value that is not plain data and that the caller chose not to turn into a handle."""


def encode(obj, on_object=None) -> bytes:
    """Serialise `obj` to bytes. `on_object(x) -> int` turns a value that is not plain
    data into a handle id; without it such a value raises Unencodable."""
    buffers: list[bytes] = []
    count = [0]

    def enc(x, depth):
        count[0] += 1
        if depth > MAX_DEPTH or count[0] > MAX_NODES:
            raise WireError("value is nested too deeply or has too many parts")
        t = type(x)
        if x is None or t is bool or t is str:
            return x
        if t is int:
            return x if abs(x) < 2**63 else {"__i__": str(x)}
        if t is float:
            return x if math.isfinite(x) else {"__f__": repr(x)}
        if t is complex:
            return {"__c__": [enc(x.real, depth + 1), enc(x.imag, depth + 1)]}
        if t is bytes:
            buffers.append(x)
            return {"__b__": len(buffers) - 1}
        if t is list:
            return [enc(v, depth + 1) for v in x]
        if t is tuple:
            return {"__t__": [enc(v, depth + 1) for v in x]}
        if t is dict:
            return {"__d__": [[enc(k, depth + 1), enc(v, depth + 1)] for k, v in x.items()]}
        if isinstance(x, (np.ndarray, np.generic)):
            # Subclasses travel as their plain data: none of their methods reach the judge.
            arr = np.ndarray.view(x, np.ndarray) if isinstance(x, np.ndarray) else np.asarray(x)
            if arr.dtype.kind == "O":
                arr = _numeric_object_array(arr)
            dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
            if dt.str not in DTYPES:
                return handle(x)
            buffers.append(np.ascontiguousarray(arr, dtype=dt).tobytes())
            tag = "__s__" if isinstance(x, np.generic) else "__a__"
            return {tag: len(buffers) - 1, "dt": dt.str, "sh": list(arr.shape)}
        return handle(x)

    def handle(x):
        if on_object is None:
            raise Unencodable(f"a value of type {type(x).__name__} is not plain data")
        return {"__h__": int(on_object(x)), "ty": _type_name(x)}

    doc = json.dumps(enc(obj, 0), allow_nan=False, separators=(",", ":")).encode()
    parts = [_LEN.pack(len(doc)), _LEN.pack(len(buffers))]
    parts += [_LEN.pack(len(b)) for b in buffers]
    return b"".join(parts + [doc] + buffers)


# Exact types of the elements an object array may hold to travel as numbers (exact, so that no
# subclass's methods run while it is converted).
_REAL = {int, float, bool, np.bool_, np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
         np.uint8, np.uint16, np.uint32, np.uint64}
_COMPLEX = {complex, np.complex64, np.complex128}


def _numeric_object_array(arr: np.ndarray) -> np.ndarray:
    """An object array holding only numbers as a float64 (or complex128) array, so that
    numbers arrive as numbers whatever their container; any other object array as it is."""
    if arr.size > MAX_NODES:
        return arr
    kinds = {type(v) for v in arr.flat}
    if not kinds <= _REAL | _COMPLEX:
        return arr
    if any(type(v) is int and abs(v) >= 2**1023 for v in arr.flat):
        return arr
    return arr.astype(np.complex128 if kinds & _COMPLEX else np.float64)


def json_size(data: bytes) -> int:
    """The length of the JSON part of message `data`, read from its header."""
    return _HEAD.unpack_from(data, 0)[0]


def _check_head(doc_len: int, n_buf: int, max_json: int) -> None:
    if doc_len > max_json:
        raise WireError(f"its plain-data part (everything but NumPy arrays) has {doc_len} bytes, over the limit "
                        f"of {max_json}; return large results as NumPy arrays")
    if n_buf > MAX_NODES:
        raise WireError("too many buffers")


def decode(data: bytes, on_handle=None, max_json: int = MAX_JSON_BYTES):
    """Rebuild a value from `encode`'s bytes; `on_handle(id, type_name)` maps a handle
    to whatever stands for it on this side (by default a WireError). A JSON part over
    `max_json` bytes, or with more than MAX_NODES lists and objects, is refused before
    it is parsed."""
    view = memoryview(data)
    try:
        doc_len, n_buf = _HEAD.unpack_from(view, 0)
        _check_head(doc_len, n_buf, max_json)
        offs = 16
        sizes = [_LEN.unpack_from(view, offs + 8 * i)[0] for i in range(n_buf)]
        offs += 8 * n_buf
        raw = bytes(view[offs : offs + doc_len])
        if raw.count(b"[") + raw.count(b"{") > MAX_NODES:  # an upper bound on the containers, found at C speed
            raise WireError("value is nested too deeply or has too many parts")
        doc = json.loads(raw)
        offs += doc_len
        bufs = []
        for s in sizes:
            if offs + s > len(view):
                raise WireError("truncated message")
            bufs.append(view[offs : offs + s])
            offs += s
    except WireError:
        raise
    except (struct.error, ValueError, UnicodeDecodeError, RecursionError) as e:
        # RecursionError: JSON nested far past MAX_DEPTH fails in the parser, before dec() can refuse it
        raise WireError(f"malformed message: {e}") from None

    count = [0]

    def dec(x, depth):
        count[0] += 1
        if depth > MAX_DEPTH or count[0] > MAX_NODES:
            raise WireError("value is nested too deeply or has too many parts")
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, list):
            return [dec(v, depth + 1) for v in x]
        if not isinstance(x, dict) or len(x) == 0:
            raise WireError("unknown element")
        if "__t__" in x:
            return tuple(dec(v, depth + 1) for v in _list(x["__t__"]))
        if "__d__" in x:
            out = {}
            for pair in _list(x["__d__"]):
                k, v = _list(pair)
                k = dec(k, depth + 1)
                try:
                    hash(k)
                except TypeError:
                    raise WireError("unhashable dict key") from None
                out[k] = dec(v, depth + 1)
            return out
        if "__a__" in x or "__s__" in x:
            dt = DTYPES.get(x.get("dt"))
            if dt is None:
                raise WireError(f"dtype {x.get('dt')!r} is not allowed")
            shape = tuple(int(n) for n in _list(x.get("sh")))
            if any(n < 0 for n in shape):
                raise WireError("negative dimension")
            buf = bufs[int(x.get("__a__", x.get("__s__")))]
            if len(buf) != dt.itemsize * math.prod(shape):
                raise WireError("array buffer does not match its shape")
            arr = np.frombuffer(buf, dtype=dt).reshape(shape).copy()
            return arr[()] if "__s__" in x else arr
        if "__b__" in x:
            return bytes(bufs[int(x["__b__"])])
        if "__i__" in x:
            return int(str(x["__i__"]))
        if "__f__" in x:
            return float(str(x["__f__"]))
        if "__c__" in x:
            re_, im = _list(x["__c__"])
            return complex(float(dec(re_, depth + 1)), float(dec(im, depth + 1)))
        if "__h__" in x:
            if on_handle is None:
                raise WireError("unexpected handle")
            return on_handle(int(x["__h__"]), str(x.get("ty", "object")))
        raise WireError("unknown element")

    try:
        return dec(doc, 0)
    except (IndexError, TypeError, ValueError, KeyError) as e:
        if isinstance(e, WireError):
            raise
        raise WireError(f"malformed message: {e}") from None


def _list(x) -> list:
    if not isinstance(x, list):
        raise WireError("malformed message: expected a list")
    return x


def _type_name(x) -> str:
    t = type(x)
    try:
        return f"{t.__module__}.{t.__qualname__}" if t.__module__ not in ("builtins", None) else t.__qualname__
    except Exception:
        return "object"


# ---------------------------------------------------------------------------
# Framing over a stream socket: an 8-byte length, then the message.


def send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_LEN.pack(len(payload)) + payload)


def recv(sock: socket.socket, max_bytes: int, deadline: float | None = None, clock=None,
         max_json: int | None = None) -> bytearray:
    """Read one framed message. Raises EOFError when the peer is gone, TimeoutError
    past `deadline` (a `clock()` time), WireError when the message exceeds `max_bytes`
    or, with `max_json`, when its header announces a JSON part over `max_json` bytes:
    that is found from the first 16 bytes, before the rest is read."""
    (n,) = _LEN.unpack(_recv_exact(sock, 8, deadline, clock))
    if n > max_bytes:
        raise WireError(f"message of {n} bytes exceeds the limit of {max_bytes} bytes")
    if max_json is None or n < _HEAD.size:
        return _recv_exact(sock, n, deadline, clock)
    head = _recv_exact(sock, _HEAD.size, deadline, clock)
    _check_head(*_HEAD.unpack(head), max_json)  # before the message's buffer is even allocated
    buf = bytearray(n)
    buf[: _HEAD.size] = head
    _recv_into(sock, memoryview(buf)[_HEAD.size :], deadline, clock)
    return buf


def _recv_exact(sock, n, deadline, clock) -> bytearray:
    buf = bytearray(n)
    _recv_into(sock, memoryview(buf), deadline, clock)
    return buf


def _recv_into(sock, view: memoryview, deadline, clock) -> None:
    """Fill `view` from `sock` (one buffer, no chunks to join: a large message is held once)."""
    got = 0
    while got < len(view):
        if deadline is not None:
            left = deadline - clock()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
        else:
            sock.settimeout(None)
        try:
            n = sock.recv_into(view[got : got + (1 << 20)])
        except socket.timeout:
            raise TimeoutError from None
        except OSError:
            raise EOFError from None
        if not n:
            raise EOFError
        got += n
