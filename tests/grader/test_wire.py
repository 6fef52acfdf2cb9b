"""Tests for grader/wire.py: plain data crosses the boundary intact, and nothing else does."""

from __future__ import annotations

import builtins
import json
import math
import os
import pickle
import struct
import sys
import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader import wire
from grader.wire import DTYPES, MAX_DEPTH, Unencodable, WireError, decode, encode


def message(doc, *buffers: bytes) -> bytes:
    """A message in wire's layout with a hand-written JSON document (a str is used verbatim)."""
    raw = doc.encode() if isinstance(doc, str) else json.dumps(doc).encode()
    head = struct.pack("<QQ", len(raw), len(buffers)) + b"".join(struct.pack("<Q", len(b)) for b in buffers)
    return head + raw + b"".join(buffers)


def same(a, b) -> bool:
    """Equal and of exactly the same type all the way down; floats bit for bit (nan, -0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items()))
    return a == b


def round_trip(x, **kwargs):
    return decode(encode(x, **kwargs.get("enc", {})), **kwargs.get("dec", {}))


class Thing:
    """Not plain data: a stand-in for a student's object."""

    def __init__(self, name):
        self.name = name


# --- shared strategies ---------------------------------------------------------------

allowed_dtypes = st.sampled_from(sorted(DTYPES))
arrays = allowed_dtypes.flatmap(
    lambda dt: hnp.arrays(DTYPES[dt], hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats()
    | st.complex_numbers()
    | st.text()
    | st.binary()
)
# Keys must survive a round trip as equal and hashable: no nan, no containers but tuples.
keys = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.binary()
keys = keys | st.tuples(keys, keys)
plain = st.recursive(
    scalars | arrays,
    lambda inner: st.lists(inner, max_size=4)
    | st.lists(inner, max_size=4).map(tuple)
    | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


# --- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None, True, False, 0, -1, 2**62, 2**63, -(2**63), -(2**63) - 1, 10**40, -(10**40),
        0.0, -0.0, 1.5, 5e-324, 1.7976931348623157e308, math.inf, -math.inf, math.nan,
        1 + 2j, complex(math.inf, math.nan), -0.0j,
        "", "plain", "ünïcødé ∑ 学 🙂", "quotes \" and \\ and \n and \x00",
        b"", b"\x00\xff" * 100, bytes(range(256)),
    ],
    ids=repr,
)
def test_scalars_round_trip_with_their_exact_type(value):
    """Does every plain scalar come back equal and of exactly the same type?"""
    assert same(round_trip(value), value)


def test_containers_round_trip_with_non_string_keys():
    """Do nested lists, tuples and dicts (keys of any plain type, order kept) come back as they were?"""
    value = {
        1: [1, (2, 3), {"a": ()}],
        (1, "x"): {None: [], 2.5: (b"k",)},
        None: ([[]], {}),
        b"bytes": {True: False},
        "s": [1, 2.0, "3", None, [[[4]]]],
    }
    out = round_trip(value)
    assert same(out, value)
    assert list(out) == list(value)


def test_dict_that_looks_like_a_tag_stays_a_dict():
    """Can plain data that happens to use the wire's tag names be confused with a tag?"""
    value = {"__h__": 1, "__a__": 0, "dt": "|O", "__t__": [1]}
    assert same(round_trip(value), value)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_arrays_of_every_allowed_dtype_round_trip(dtype):
    """Does an array of each allowed dtype come back with the same dtype, shape and bytes?"""
    arr = np.arange(12).reshape(3, 4).astype(dtype)
    out = round_trip(arr)
    assert type(out) is np.ndarray and same(out, arr)
    assert out.flags.writeable and out.flags.c_contiguous


@pytest.mark.parametrize(
    "arr",
    [
        np.array(3.5),
        np.array(True),
        np.zeros((0,)),
        np.zeros((3, 0, 2), dtype=np.int8),
        np.arange(20.0).reshape(4, 5)[::2, ::-2],
        np.asfortranarray(np.arange(6).reshape(2, 3)),
        np.broadcast_to(np.arange(3), (4, 3)),
        np.array([np.nan, -0.0, np.inf, -np.inf], dtype=np.float16),
    ],
    ids=["0-d", "0-d bool", "empty", "empty 3-d", "strided", "fortran", "broadcast", "specials f2"],
)
def test_unusual_array_layouts_round_trip_as_plain_copies(arr):
    """Do 0-d, empty, strided, Fortran-ordered and broadcast arrays come back with the same values?"""
    out = round_trip(arr)
    assert type(out) is np.ndarray
    assert out.shape == arr.shape and out.dtype == arr.dtype
    assert np.array_equal(out, arr, equal_nan=arr.dtype.kind in "fc")


@pytest.mark.parametrize("dtype", [">i2", ">i4", ">u8", ">f4", ">f8", ">c16"])
def test_big_endian_arrays_arrive_little_endian_with_same_values(dtype):
    """Does a big-endian array arrive as the little-endian dtype with the same values?"""
    arr = (np.arange(6) - 2).astype(dtype) if dtype[1] != "u" else np.arange(6).astype(dtype)
    out = round_trip(arr)
    assert out.dtype == np.dtype(dtype).newbyteorder("<")
    assert np.array_equal(out, arr)


@pytest.mark.parametrize(
    "scalar",
    [np.float64(1.25), np.float32(-2.5), np.float16(0.5), np.int8(-3), np.int64(2**62), np.uint64(2**64 - 1),
     np.bool_(True), np.complex64(1 - 1j), np.complex128(np.nan), np.uint8(255)],
    ids=repr,
)
def test_numpy_scalars_round_trip_as_numpy_scalars(scalar):
    """Does a NumPy scalar come back as a NumPy scalar of the same type, not an array or a Python number?"""
    assert same(round_trip(scalar), scalar)


def test_ndarray_subclasses_travel_as_plain_ndarrays():
    """Does an ndarray subclass (its methods, its mask, its overrides) reach the other side, or only its data?"""

    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        matrix = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    masked = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    lying = np.arange(3.0).view(Lying)
    for arr in (matrix, masked, lying):
        out = round_trip(arr)
        assert type(out) is np.ndarray
        assert np.array_equal(out, np.asarray(arr).view(np.ndarray))
    assert type(round_trip([lying])[0]) is np.ndarray


def test_subclasses_of_plain_types_are_not_plain():
    """Does a subclass of a plain type (which may override anything) pass as plain data?"""

    class SneakyInt(int):
        def __eq__(self, other):
            return True

    class SneakyStr(str):
        pass

    for value in (SneakyInt(3), SneakyStr("x")):
        with pytest.raises(Unencodable):
            encode(value)


# --- handles --------------------------------------------------------------------------


def test_non_plain_values_become_handles_via_on_object_and_on_handle():
    """Are non-plain values (and only those) handed to on_object, and rebuilt by on_handle with their type name?"""
    table: dict[int, object] = {}

    def on_object(x):
        table[len(table) + 7] = x
        return len(table) + 6

    a, b = Thing("a"), Thing("b")
    msg = encode({"x": a, "ys": [1, b, (a, 2.0)], "arr": np.ones(2)}, on_object=on_object)
    assert [t.name for t in table.values()] == ["a", "b", "a"]
    out = decode(msg, on_handle=lambda hid, ty: ("handle", hid, ty))
    ty = f"{Thing.__module__}.{Thing.__qualname__}"
    assert out["x"] == ("handle", 7, ty)
    assert out["ys"][1] == ("handle", 8, ty)
    assert out["ys"][2] == (("handle", 9, ty), 2.0)
    assert np.array_equal(out["arr"], np.ones(2))


@pytest.mark.parametrize(
    "value",
    [
        np.array([1, "a"], dtype=object),
        np.array(["ab", "c"]),
        np.array([1, 2], dtype="datetime64[s]"),
        np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")]),
        np.zeros(2, dtype=np.longdouble) if np.dtype(np.longdouble).itemsize > 8 else np.zeros(2, dtype="V3"),
        np.str_("numpy string"),
        Thing("x"),
        object(),
        {1, 2},
        frozenset(),
        bytearray(b"x"),
        memoryview(b"x"),
        len,
        lambda: 0,
        Exception("x"),
        range(3),
        [1, [2, Thing("deep")]],
    ],
    ids=lambda v: type(v).__name__ + (f"[{v.dtype}]" if isinstance(v, np.ndarray) else ""),
)
def test_values_that_are_not_plain_are_unencodable_without_on_object(value):
    """Does anything that is not plain data (object arrays, structured arrays, objects) raise Unencodable?"""
    with pytest.raises(Unencodable):
        encode(value)
    handles = []
    out = decode(encode(value, on_object=lambda x: handles.append(x) or len(handles)), on_handle=lambda h, ty: ty)
    assert handles, "with on_object the value must travel as a handle"
    assert out is not None


# --- decoding rejects -----------------------------------------------------------------


@pytest.mark.parametrize(
    "dt",
    ["|O", "O", "V8", "|V8", "<U3", "|S4", ">f8", "f8", "<M8[ns]", "<m8", "<f16", "|b", [["a", "<f8"]], None, 5],
    ids=repr,
)
def test_decoding_refuses_dtypes_outside_the_allowed_set(dt):
    """Can a message make the other side build an array of a dtype outside the allowed list (objects, records, ...)?"""
    with pytest.raises(WireError):
        decode(message({"__a__": 0, "dt": dt, "sh": [1]}, b"\x00" * 16))
    with pytest.raises(WireError):
        decode(message({"__s__": 0, "dt": dt, "sh": []}, b"\x00" * 16))


@pytest.mark.parametrize(
    "doc, buffer",
    [
        ({"__a__": 0, "dt": "<f8", "sh": [3]}, b"\x00" * 16),
        ({"__a__": 0, "dt": "<f8", "sh": [2]}, b"\x00" * 24),
        ({"__a__": 0, "dt": "<f8", "sh": []}, b""),
        ({"__a__": 0, "dt": "<i4", "sh": [-1]}, b"\x00" * 4),
        ({"__a__": 0, "dt": "<i4", "sh": [-2, -2]}, b"\x00" * 16),
        ({"__a__": 0, "dt": "<i4", "sh": [2**40, 2**40]}, b"\x00" * 16),
        ({"__a__": 0, "dt": "<i4", "sh": 4}, b"\x00" * 16),
        ({"__a__": 0, "dt": "<i4", "sh": ["x"]}, b"\x00" * 16),
        ({"__a__": 1, "dt": "<i4", "sh": [1]}, b"\x00" * 4),
        ({"__a__": "zero", "dt": "<i4", "sh": [1]}, b"\x00" * 4),
        ({"__s__": 0, "dt": "<f8", "sh": []}, b"\x00" * 4),
    ],
)
def test_decoding_refuses_arrays_whose_buffer_does_not_match_their_shape(doc, buffer):
    """Is an array whose shape, dtype and buffer disagree (or whose buffer is missing) rejected?"""
    with pytest.raises(WireError):
        decode(message(doc, buffer))


def test_every_truncation_of_a_message_is_rejected():
    """Is a message cut short anywhere (header, document, buffers) rejected rather than half-read?"""
    full = encode({"a": np.arange(5.0), "b": b"payload", "c": [1, 2, (3, "x")]})
    assert same(decode(full), {"a": np.arange(5.0), "b": b"payload", "c": [1, 2, (3, "x")]})
    for n in range(len(full)):
        with pytest.raises(WireError):
            decode(full[:n])


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"__x__": 1},
        {"dt": "<f8"},
        {"__reduce__": ["os.system", ["echo hi"]]},
        {"py/object": "os.system"},
        {"__class__": "builtins.eval", "args": ["1"]},
        {"__t__": 5},
        {"__d__": [[1]]},
        {"__d__": [[[1, 2], 3]]},
        {"__d__": {"a": 1}},
        {"__c__": [1]},
        {"__c__": [[1], 2]},
        {"__i__": "0x10"},
        {"__i__": "9" * 5000},
        {"__f__": "one"},
        {"__b__": 0},
        [1, {"__nope__": 0}],
    ],
    ids=lambda d: json.dumps(d)[:40],
)
def test_decoding_refuses_unknown_or_malformed_tags(doc):
    """Is an element that is not one of the wire's own forms rejected instead of guessed at?"""
    with pytest.raises(WireError):
        decode(message(doc))


@pytest.mark.parametrize("raw", [b"", b"\x00" * 7, b"\x00" * 15, struct.pack("<QQ", 2, 2**40) + b"[]",
                                 struct.pack("<QQ", 2, 0) + b"[", struct.pack("<QQ", 4, 0) + b"\xff\xfe[]"])
def test_decoding_refuses_malformed_framing(raw):
    """Is a message with a broken header, impossible buffer count or invalid UTF-8 rejected?"""
    with pytest.raises(WireError):
        decode(raw)


def test_handles_are_refused_without_on_handle():
    """Can a message smuggle in a handle where the reader does not expect any?"""
    msg = encode([1, Thing("x")], on_object=lambda x: 1)
    with pytest.raises(WireError, match="handle"):
        decode(msg)
    with pytest.raises(WireError, match="handle"):
        decode(message({"__h__": 3, "ty": "os.system"}))


def test_excessive_nesting_is_refused_on_both_sides():
    """Is data nested deeper than MAX_DEPTH refused when encoding and when decoding, even far deeper?"""
    deep: list = []
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(WireError):
        encode(deep)
    ok: list = []
    for _ in range(MAX_DEPTH - 1):
        ok = [ok]
    assert round_trip(ok) == ok
    for depth in (MAX_DEPTH + 2, 5_000, 200_000):
        with pytest.raises(WireError):
            decode(message("[" * depth + "]" * depth))
        with pytest.raises(WireError):
            decode(message('{"__t__":' * depth + "[]" + "}" * depth))


# --- decoding builds data and nothing else --------------------------------------------


class Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_pickle_like_content_is_rejected_or_stays_data():
    """Does a message that names __reduce__, classes or holds a pickle ever get executed, or only read as data?"""
    evil = pickle.dumps(Boom())
    assert decode(message({"__b__": 0}, evil)) == evil
    as_data = decode(message({"__d__": [["__reduce__", {"__t__": ["os.system", {"__t__": ["echo pwned"]}]}]]}))
    assert as_data == {"__reduce__": ("os.system", ("echo pwned",))}
    assert decode(message({"__h__": 1, "ty": "os.system"}), on_handle=lambda hid, ty: (hid, ty)) == (1, "os.system")
    with pytest.raises(WireError):
        decode(message({"__reduce__": ["os.system", ["echo pwned"]]}))


def test_decoding_never_imports_or_calls_outside_the_decoder():
    """Does decoding a message that mentions modules, pickles and class names import or call anything?"""
    msg = message(
        {"__d__": [
            ["__reduce__", {"__t__": ["os.system", "pickle.loads", "builtins.eval"]}],
            [{"__t__": ["__import__", 1]}, {"__a__": 0, "dt": "<f8", "sh": [2]}],
            ["p", {"__b__": 1}],
            ["s", {"__s__": 2, "dt": "<c16", "sh": []}],
            ["n", [{"__i__": str(10**30)}, {"__f__": "nan"}, {"__c__": [1.0, {"__f__": "-inf"}]}]],
        ]},
        np.arange(2.0).tobytes(), pickle.dumps(Boom()), np.complex128(1j).tobytes(),
    )
    decode(msg)  # warm up: anything lazily imported on first use is imported here
    imported = []
    real_import, real_loads = builtins.__import__, pickle.loads
    seen_code, seen_builtins = set(), set()

    def record_import(name, *args, **kwargs):
        imported.append(name)
        return real_import(name, *args, **kwargs)

    def profile(frame, event, arg):
        if event == "call":
            seen_code.add(os.path.abspath(frame.f_code.co_filename))
        elif event == "c_call":
            seen_builtins.add((getattr(arg, "__module__", None), getattr(arg, "__name__", "")))

    builtins.__import__, pickle.loads = record_import, lambda *a, **k: imported.append("pickle.loads")
    sys.setprofile(profile)
    try:
        out = decode(msg)
    finally:
        sys.setprofile(None)
        builtins.__import__, pickle.loads = real_import, real_loads
    assert out["__reduce__"] == ("os.system", "pickle.loads", "builtins.eval")
    assert out["p"] == pickle.dumps(Boom())
    assert imported == []
    json_dir = os.path.dirname(os.path.abspath(json.__file__))
    allowed = {os.path.abspath(wire.__file__), os.path.join(json_dir, "__init__.py"), os.path.join(json_dir, "decoder.py")}
    seen_code.discard(os.path.abspath(__file__))  # record_import and the lambda, had they run
    assert seen_code <= allowed, seen_code - allowed
    banned = {"__import__", "exec", "eval", "compile", "loads", "load", "import_module", "system", "getattr", "setattr"}
    assert not {name for _, name in seen_builtins} & banned, seen_builtins
    assert not {mod for mod, _ in seen_builtins} & {"_pickle", "pickle", "marshal", "importlib", "os", "posix"}


# --- property ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(plain)
def test_any_nested_plain_data_round_trips(value):
    """Does every nesting of plain values and arrays of allowed dtypes come back exactly, types included?"""
    assert same(round_trip(value), value)


@settings(max_examples=50, deadline=None)
@given(arrays)
def test_arrays_round_trip_through_their_big_endian_twin(arr):
    """Does the big-endian twin of any allowed array arrive equal to the array itself?"""
    assert same(round_trip(arr.astype(arr.dtype.newbyteorder(">"))), arr)


def test_object_arrays_of_numbers_travel_as_numbers():
    """Does an object-dtype array holding only real numbers (or complex ones) arrive as a
    float64 (complex128) array, and one holding anything else stay behind a handle?"""
    floats = np.array([1.0, 2, np.float32(3.5), True], dtype=object).reshape(2, 2)
    got = wire.decode(wire.encode(floats))
    assert got.dtype == np.float64 and got.shape == (2, 2) and got.tolist() == [[1.0, 2.0], [3.5, 1.0]]
    assert wire.decode(wire.encode(np.array([1j, 2.0], dtype=object))).dtype == np.complex128
    assert wire.decode(wire.encode(np.empty((0, 3), dtype=object))).shape == (0, 3)

    class Number(float):  # a subclass: its methods must not run while converting
        pass

    for odd in (np.array(["a", 1.0], dtype=object), np.array([Number(1.0)], dtype=object)):
        with pytest.raises(wire.Unencodable):
            wire.encode(odd)


# --- the JSON part is capped (arrays travel as buffers) --------------------------------


def empty_lists(n: int) -> str:
    """A JSON array of n empty lists: 3 bytes of message per Python list of 64 bytes."""
    return "[" + "[]," * (n - 1) + "[]]"


@pytest.fixture
def no_parsing(monkeypatch):
    """json.loads fails the test if wire calls it: what is refused must be refused unparsed."""
    def refuse(*args, **kwargs):
        raise AssertionError("the JSON part was parsed")

    monkeypatch.setattr(wire.json, "loads", refuse)


def test_a_json_part_over_the_cap_is_refused_unparsed(no_parsing):
    """Is a message whose JSON part is over MAX_JSON_BYTES refused, saying so, before it is parsed?"""
    doc = empty_lists(wire.MAX_JSON_BYTES // 3 + 2)
    assert len(doc) > wire.MAX_JSON_BYTES
    with pytest.raises(WireError, match="over the limit of .*NumPy arrays"):
        decode(message(doc))


def test_more_lists_than_max_nodes_are_refused_unparsed(no_parsing):
    """Under the cap but with more lists than MAX_NODES (each a 64-byte Python object): refused unparsed?"""
    doc = empty_lists(wire.MAX_NODES + 1)
    assert len(doc) <= wire.MAX_JSON_BYTES
    with pytest.raises(WireError, match="too many parts"):
        decode(message(doc))


def test_deep_nesting_within_the_cap_is_refused():
    """Is JSON nested as deep as the cap allows ("[[[[…") refused, by the parser's own recursion limit?"""
    depth = wire.MAX_JSON_BYTES // 2
    with pytest.raises(WireError):
        decode(message("[" * depth + "]" * depth))


def test_the_cap_holds_the_largest_numeric_answer_even_as_a_list():
    """Does the largest numeric result a check asks for (week 3's conv2d_forward, 111 616 numbers)
    still fit under the cap if a student returns it as nested Python lists of float64s?"""
    values = -np.random.default_rng(0).random(size=(4, 4, 6976)) * 1e-7  # the longest reprs: -1.2345678901234567e-08
    as_lists = values.tolist()
    raw = encode(as_lists)
    assert wire.json_size(raw) < wire.MAX_JSON_BYTES / 2
    assert decode(raw) == as_lists


def framed(payload: bytes) -> bytes:
    return struct.pack("<Q", len(payload)) + payload


def test_recv_refuses_a_frame_from_its_header_without_reading_it():
    """Does recv with max_json refuse a frame that announces a 250 MB JSON part after reading its first
    24 bytes (the rest is never sent here: reading on would time out instead)?"""
    import socket

    a, b = socket.socketpair()
    try:
        doc_len = 250 << 20
        a.sendall(struct.pack("<QQQ", 16 + doc_len, doc_len, 0) + b"[[],[],")
        with pytest.raises(WireError, match="over the limit"):
            wire.recv(b, 256 << 20, deadline=time.monotonic() + 60, clock=time.monotonic, max_json=wire.MAX_JSON_BYTES)
    finally:
        a.close()
        b.close()


def test_recv_returns_messages_whole_with_and_without_the_header_check():
    """Do messages (arrays, nested data, an empty one) arrive intact through recv, with max_json and without?"""
    import socket
    import threading

    values = [{"a": np.arange(300_000, dtype=np.float64).reshape(600, 500), "b": [1, 2.5, "x"]}, None, []]
    a, b = socket.socketpair()
    try:
        sender = threading.Thread(target=lambda: [wire.send(a, encode(v)) for v in values * 2])
        sender.start()
        got = [decode(wire.recv(b, 256 << 20, max_json=wire.MAX_JSON_BYTES if i < 3 else None)) for i in range(6)]
        sender.join()
    finally:
        a.close()
        b.close()
    for x, y in zip(got, values * 2):
        assert same(x, y)
