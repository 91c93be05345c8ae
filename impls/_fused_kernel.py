"""The fused, cache-blocked step shared by ``numba-fused`` and ``numba-parallel``.

The samples are cut into blocks small enough that a block of X stays in the core's cache (L2,
or on CPUs with a fast L3 the L3; the block size and walk are chosen in impls._fused_plan). For each block: logits ``z`` (X read from
memory), per-sample loss and ``dz`` (vectorised polynomial math), then ``dw += X_blk dz_blk``
(X read again, now from cache). So X is read from memory once per step, whatever the memory
order:

- feature-major (X C-ordered, each feature a contiguous row): both passes stream along the
  block's slice of every feature row, contiguous inner loops;
- sample-major (X F-ordered, given here as ``X.T`` of shape (m, n_x)): the block is one
  contiguous chunk, each sample's features contiguous.

All arithmetic and every accumulator is float64, also for float32 input.

why one module: Numba's on-disk cache of a function is invalidated only by edits to *its own*
source file, yet it embeds the compiled code of every jitted function it calls. Keeping all the
compiled code of the fused kernels in this one file means an edit anywhere here recompiles them
all, instead of silently loading a stale kernel.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types, uint64
from numba.core import cgutils
from numba.extending import intrinsic

# --------------------------------------------------------------------------------------------
# LLVM features Numba does not expose.


@intrinsic
def _float64_from_bits(typingctx, bits):
    """Reinterpret an int64 bit pattern as a float64 (a register move; vectorisable)."""
    signature = types.float64(types.int64)

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return signature, codegen


@intrinsic
def _bits_from_float64(typingctx, value):
    """Reinterpret a float64 as its int64 bit pattern (a register move; vectorisable)."""
    signature = types.int64(types.float64)

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return signature, codegen


@intrinsic
def _prefetch_to_l2(typingctx, array, row, column):
    """Hint the CPU to load the cache line holding ``array[row, column]`` into L2; no other effect."""
    if not (isinstance(array, types.Array) and array.ndim == 2):
        return None
    signature = types.void(array, types.intp, types.intp)

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, args[1:], wraparound=False)
        int32 = ir.IntType(32)
        byte_pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        function_type = ir.FunctionType(ir.VoidType(), [byte_pointer.type, int32, int32, int32])
        prefetch = cgutils.get_or_insert_function(builder.module, function_type, "llvm.prefetch.p0")
        # read (0), locality 2 = prefetcht1: into L2 only, so L1 keeps z, dz and the current rows
        builder.call(prefetch, [byte_pointer, int32(0), int32(2), int32(1)])
        return context.get_dummy_value()

    return signature, codegen


@intrinsic
def _prefer_512_bit_vectors(typingctx):
    """Let LLVM vectorise the calling function with 512-bit registers where the CPU has them."""

    def codegen(context, builder, sig, args):
        # why: LLVM's tuning for Skylake-X/Ice Lake caps loop vectors at 256 bits (to avoid the
        # clock drop of light 512-bit code). The per-sample math is dense arithmetic and ran 1.4×
        # faster with 512-bit vectors on Ice Lake (3.5 vs 4.8 ns per sample). llvmlite
        # has no API for string attributes, hence the plain set.add; CPUs without AVX-512 ignore it.
        set.add(builder.function.attributes, '"prefer-vector-width"="512"')
        return context.get_dummy_value()

    return types.void(), codegen


def _shuffle_mask(*lanes: int) -> ir.Constant:
    return ir.Constant(ir.VectorType(ir.IntType(32), len(lanes)), [ir.IntType(32)(lane) for lane in lanes])


@intrinsic
def _transpose_4x4(typingctx, source, row, column, target, target_column):
    """target[column + k, target_column + r] = source[row + r, column + k] for r, k in 0..3: four
    rows of four loaded as vectors, transposed with shuffles, stored as four vectors (``target``
    float64, ``source`` float64 or float32, widened). No bounds checks: the caller keeps every
    index inside both arrays."""
    if not (isinstance(source, types.Array) and source.ndim == 2 and source.dtype in (types.float64, types.float32)
            and isinstance(target, types.Array) and target.ndim == 2 and target.dtype == types.float64):
        return None
    signature = types.void(source, types.intp, types.intp, target, types.intp)

    def codegen(context, builder, sig, args):
        source_type, _, _, target_type, _ = sig.args
        source_view = context.make_array(source_type)(context, builder, args[0])
        target_view = context.make_array(target_type)(context, builder, args[3])
        row, column, target_column = args[1], args[2], args[4]
        wide = ir.VectorType(ir.DoubleType(), 4)
        narrow = source_type.dtype == types.float32
        loaded_type = ir.VectorType(ir.FloatType(), 4) if narrow else wide
        rows = []
        for r in range(4):
            pointer = cgutils.get_item_pointer(context, builder, source_type, source_view,
                                               [builder.add(row, row.type(r)), column], wraparound=False)
            vector = builder.load(builder.bitcast(pointer, loaded_type.as_pointer()), align=4 if narrow else 8)
            rows.append(builder.fpext(vector, wide) if narrow else vector)
        # why two rounds of shuffles: pairs of rows interleaved (unpacklo/hi), then 128-bit halves
        # swapped across the pairs (vperm2f128): 8 shuffles for 16 elements instead of 16 scalar
        # stores to 4 rows of the scratch (measured on Zen 3, L1-resident, n_x=10: 1.3–1.4x faster)
        low01 = builder.shuffle_vector(rows[0], rows[1], _shuffle_mask(0, 4, 2, 6))
        high01 = builder.shuffle_vector(rows[0], rows[1], _shuffle_mask(1, 5, 3, 7))
        low23 = builder.shuffle_vector(rows[2], rows[3], _shuffle_mask(0, 4, 2, 6))
        high23 = builder.shuffle_vector(rows[2], rows[3], _shuffle_mask(1, 5, 3, 7))
        columns = (builder.shuffle_vector(low01, low23, _shuffle_mask(0, 1, 4, 5)),
                   builder.shuffle_vector(high01, high23, _shuffle_mask(0, 1, 4, 5)),
                   builder.shuffle_vector(low01, low23, _shuffle_mask(2, 3, 6, 7)),
                   builder.shuffle_vector(high01, high23, _shuffle_mask(2, 3, 6, 7)))
        for k in range(4):
            pointer = cgutils.get_item_pointer(context, builder, target_type, target_view,
                                               [builder.add(column, column.type(k)), target_column], wraparound=False)
            builder.store(columns[k], builder.bitcast(pointer, wide.as_pointer()), align=8)
        return context.get_dummy_value()

    return signature, codegen


# --------------------------------------------------------------------------------------------
# Per-sample math: the stable formulation of impls.logistic (s = (1−2y)z, loss = softplus(s),
# dz = (1−2y)σ(s)) with exp and log1p as inlined polynomials. why: a loop calling libm's
# exp/log1p runs one sample at a time; a loop of multiply-adds, integer shifts and selects is
# turned by LLVM into SIMD code doing 8 samples per instruction. Accuracy (tested against
# math.exp/math.log1p): exp within 3e-14 relative (a degree-9 polynomial: the harness asks for
# 1e-10, and every multiply-add saved is time on few features), log1p ~2 ulp; gradual underflow
# included (exp(x) = 0.0 for x ≤ −745.2).

# why: Cody–Waite split of ln 2 (fdlibm's constants). LN2_HI has 21 trailing zero bits, so
# k·LN2_HI is exact for |k| < 2^21 and r = x − k·ln2 keeps full precision.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LOG2_E = 1.44269504088896338700e00
#: Below this exp(x) rounds to 0.0 even as a subnormal (e^−745.14 is half the smallest subnormal).
_EXP_ARG_MIN = -746.0
#: 1.5·2^52 and its bit pattern. why: x·log2(e) + 1.5·2^52 rounds x·log2(e) to the nearest
#: integer k and leaves k in the low bits of the sum, so k needs no float-to-integer conversions
#: (two slow instructions per vector), only a subtraction of bit patterns.
_ROUNDER = 6755399441055744.0
_ROUNDER_BITS = 0x4338000000000000
#: e^r on |r| ≤ ln2/2: the Chebyshev interpolant of degree 9 in the monomial basis, lowest
#: degree first (np.polynomial.chebyshev.Chebyshev.interpolate(np.exp, 9, domain=[-ln2/2,
#: ln2/2]), re-derived by the tests), within 1.9e-14 relative of e^r. why degree 9: 13 would give
#: 1 ulp, but each degree costs one multiply-add per sample, and 1e-14 is 10⁴× inside the harness.
_EXP_COEFFS = (1.000000000000014, 1.0000000000000104, 0.4999999999942022, 0.16666666666506605,
               0.041666667049288564, 0.008333333403076093, 0.0013888800476772423,
               0.00019841147895541348, 2.4885022797049953e-05, 2.7649405975853787e-06)
#: The same, highest degree first, even and odd degrees apart (see _polynomial).
_EXP_EVEN = _EXP_COEFFS[8::-2]
_EXP_ODD = _EXP_COEFFS[9::-2]
#: atanh(u)/u = Σ v^k/(2k+1) with v = u² ≤ 1/9, degree 14 in v: the first omitted term is
#: 9^−15/31 ≈ 2e-16 relative. Split like the exp coefficients.
_ATANH_EVEN = tuple(1.0 / (2 * k + 1) for k in range(14, -1, -2))
_ATANH_ODD = tuple(1.0 / (2 * k + 1) for k in range(13, 0, -2))


@numba.njit(cache=True, inline="always")
def _horner(x, coeffs):
    # why start from the leading coefficient, not 0.0: without fast-math's no-NaN/no-inf
    # promise LLVM may not fold 0.0·x away, and it would cost a multiply and an add per sample.
    result = coeffs[0]
    for c in coeffs[1:]:  # a constant tuple: unrolled at compile time
        result = result * x + c
    return result


@numba.njit(cache=True, inline="always")
def _polynomial(x, even_coeffs, odd_coeffs):
    """Σ c_k x^k as E(x²) + x·O(x²). why: two independent Horner chains of half the length, so
    the multiply-add latency chain is halved and the core runs both at once."""
    x2 = x * x
    return _horner(x2, even_coeffs) + x * _horner(x2, odd_coeffs)


@numba.njit(cache=True, inline="always")
def _pow2(k):
    """2.0**k for an integer −1022 ≤ k ≤ 1023, built from the exponent bits."""
    return _float64_from_bits((k + 1023) << 52)


@numba.njit(cache=True, inline="always")
def exp_nonpositive(x):
    """e^x for a float64 ``x ≤ 0`` (large negative x gives a subnormal or 0.0)."""
    x = max(x, _EXP_ARG_MIN)
    shifted = x * _LOG2_E + _ROUNDER
    kf = shifted - _ROUNDER  # k = round(x·log2 e), exactly
    r = (x - kf * _LN2_HI) - kf * _LN2_LO
    p = _polynomial(r, _EXP_EVEN, _EXP_ODD)
    # why 2^(k+64) then 2^−64: k ≥ −1077 here, so 2^(k+64) is a normal number and p·2^(k+64) is
    # exact; the last multiply rounds a subnormal result once, correctly, with no branch.
    k = _bits_from_float64(shifted) - _ROUNDER_BITS
    # why not clamp x at −708 instead (never a subnormal, p·2^k one multiply): measured, the
    # per-sample math alone on one cached block, one thread, Zen 4, three interleaved runs of 41
    # rounds, median ns per sample, today / clamped: 1.85 / 1.70, 1.59 / 1.54, 2.11 / 2.31, a ~3%
    # gain within this VM's noise; and e^−708 ≈ 3.3e-308 is above the smallest normal number, the
    # harness's absolute tolerance, so the equivalence tests failed at z = ±745. Flushing to 0
    # below ln(smallest normal) instead costs a compare and a select, as much as it saves.
    return (p * _pow2(k + 64)) * 2.0**-64


@numba.njit(cache=True, inline="always")
def _log1p_from_ratio(u):
    """log(1 + e) = 2·atanh(u) given u = e/(2+e) ≤ 1/3 (0 ≤ e ≤ 1): an odd series in u."""
    return 2.0 * u * _polynomial(u * u, _ATANH_EVEN, _ATANH_ODD)


@numba.njit(cache=True, inline="always")
def log1p_unit(e):
    """log(1 + e) for a float64 ``0 ≤ e ≤ 1``."""
    return _log1p_from_ratio(e / (2.0 + e))


#: Bit pattern of √½: subtracting it before taking the exponent field puts the mantissa f of
#: log1p_nonnegative's x in [√½, √2), where |u| = |f − 1|/(f + 1) ≤ 0.18 < 1/3.
_SQRT_HALF_BITS = 0x3FE6A09E667F3BCD


@numba.njit(cache=True, inline="always")
def log1p_nonnegative(q):
    """log(1 + q) for a float64 ``q ≥ 0`` of any finite size, branch-free (both halves computed)."""
    small = log1p_unit(q)  # right for q ≤ 1
    # why: for q > 1, 1 + q rounds by at most half an ulp, an absolute error ≤ 2^−53 in a log
    # that is ≥ ln 2; so log(x) = k·ln2 + log(f) with x = f·2^k, f ∈ [√½, √2) exact.
    x = 1.0 + q
    k = (_bits_from_float64(x) - _SQRT_HALF_BITS) >> 52
    f = _float64_from_bits(_bits_from_float64(x) - (k << 52))
    kf = np.float64(k)
    large = kf * _LN2_HI + (kf * _LN2_LO + _log1p_from_ratio((f - 1.0) / (f + 1.0)))
    return small if q <= 1.0 else large


@numba.njit(cache=True, inline="always")
def softplus_parts(z, y):
    """``(max(s, 0), e^−|s|, dz)`` of one sample, s = (1−2y)z: loss = max(s, 0) + log1p(e^−|s|)."""
    t = 1.0 - 2.0 * y
    s = t * z
    e = exp_nonpositive(-abs(s))
    sigma_abs_s = 1.0 / (1.0 + e)
    # why: a select instead of an if keeps the loop vectorisable; σ(s) = 1/(1+e) or e/(1+e).
    sigma = sigma_abs_s if s >= 0.0 else e * sigma_abs_s
    return max(s, 0.0), e, t * sigma


@numba.njit(cache=True, inline="always")
def loss_and_dz(z, y):
    """Loss ``softplus((1−2y)z)`` and ``dz = σ(z) − y`` of one sample, branch-free, in float64."""
    relu, e, dz = softplus_parts(z, y)
    return relu + log1p_unit(e), dz


# --------------------------------------------------------------------------------------------
# One block of samples [start, stop).

#: Samples per block are at most this (z, dz and max(s, 0), 3 × 16 KiB, then stay in L1)...
MAX_BLOCK = 2048
#: ... and at least this. why: in C order each block reads n_x row segments of this many
#: samples, and short segments starve the hardware prefetcher. With many features that matters
#: more than keeping the block in L2 (Ice Lake, 2 threads, m=10⁸/n_x, C order, fraction of the
#: bandwidth floor at 64 / 128 / 256 samples: n_x=500 0.59 / 0.70 / 0.72; n_x=1000 0.54 / 0.62 /
#: 0.63; n_x=2000 0.44 / 0.53 / 0.54).
MIN_BLOCK = 256

# why: reassociation lets LLVM split the dot products and sums into several SIMD accumulators
# (without it a reduction runs one add at a time); contraction fuses multiply-adds. No
# nnan/ninf/afn: results must stay exact-ish for extreme logits. The per-sample math is compiled
# with contraction only (see _per_sample).
_SUM_FLAGS = {"reassoc", "contract"}


#: How run_blocks walks X: along feature rows (C order); along samples (F order, given as X.T),
#: one at a time, four at a time in both passes, or one at a time for the logits and four at a
#: time for dw; or along samples after copying each block into a feature-major scratch (F
#: order, few features). The _PIPELINED walks do the dw pass of a block and the logits pass of
#: the next one in one sweep (see _accumulate_and_next_logits_feature_major).
#: SAMPLE_MAJOR_MICRO does the whole step on micro-blocks of samples small enough for L1 (see
#: _micro_blocks); SAMPLE_MAJOR_ONE_PASS likewise, on smaller micro-blocks whose logits go one
#: sample at a time (see GROUP_BYTES). The _FEW walks (up to FEW_FEATURES_* features) make each
#: sample's logit in the loop of its per-sample math (see _logits_and_math_rows_n). SAMPLE_MAJOR_STREAMS
#: reads each block as STREAMS sub-ranges side by side, in both passes.
(FEATURE_MAJOR, SAMPLE_MAJOR, SAMPLE_MAJOR_TRANSPOSED, SAMPLE_MAJOR_GROUPED, SAMPLE_MAJOR_GROUPED_DW,
 FEATURE_MAJOR_PIPELINED, SAMPLE_MAJOR_PIPELINED, SAMPLE_MAJOR_MICRO, SAMPLE_MAJOR_ONE_PASS,
 FEATURE_MAJOR_FEW, SAMPLE_MAJOR_FEW, SAMPLE_MAJOR_STREAMS) = range(12)


#: Feature rows handled together by the feature-major passes.
ROWS = 8


@numba.njit(cache=True, inline="always")
def _eight_rows(X, j, start, stop):
    """Rows j..j+7 of X, columns [start, stop): eight views, no copies."""
    return (X[j, start:stop], X[j + 1, start:stop], X[j + 2, start:stop], X[j + 3, start:stop],
            X[j + 4, start:stop], X[j + 5, start:stop], X[j + 6, start:stop], X[j + 7, start:stop])


# why eight rows at a time (here and in _accumulate_feature_major): each sample's z (or dz) is
# loaded and stored once per eight rows instead of once per row, so the loop does ~1 load per
# multiply-add instead of 2–3 loads and a store. Any work the core does besides reading X adds to
# the step's time instead of hiding under the memory reads; measured with 2 threads, m=10⁶,
# n_x=100, C order, interleaved: 54.0 ms one row at a time, 43.4 ms four rows, 40.5 ms eight.
@numba.njit(cache=True, fastmath=_SUM_FLAGS, inline="always")
def _add_eight_rows_logits(w, X, j, start, stop, z):
    """z[:stop-start] += Σ_{k<8} w[j+k]·X[j+k, start:stop]."""
    r0, r1, r2, r3, r4, r5, r6, r7 = _eight_rows(X, j, start, stop)
    w0, w1, w2, w3, w4, w5, w6, w7 = w[j : j + ROWS]
    for i in range(stop - start):  # contiguous in C order: SIMD multiply-adds over samples
        z[i] += ((w0 * r0[i] + w1 * r1[i]) + (w2 * r2[i] + w3 * r3[i])) + (
            (w4 * r4[i] + w5 * r5[i]) + (w6 * r6[i] + w7 * r7[i]))


@numba.njit(cache=True, fastmath=_SUM_FLAGS, inline="always")
def _add_row_logits(w, X, j, start, stop, z):
    weight = w[j]
    row = X[j, start:stop]
    for i in range(stop - start):
        z[i] += weight * row[i]


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _logits_feature_major(w, b, X, start, stop, z):
    z[: stop - start] = b
    n_x = X.shape[0]
    for j in range(0, n_x - ROWS + 1, ROWS):
        _add_eight_rows_logits(w, X, j, start, stop, z)
    for j in range(n_x - n_x % ROWS, n_x):
        _add_row_logits(w, X, j, start, stop, z)


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _logits_sample_major(w, b, XT, start, stop, z):
    for i in range(stop - start):
        sample = XT[start + i]
        total = 0.0
        for j in range(XT.shape[1]):  # contiguous in F order: a SIMD dot product
            total += w[j] * sample[j]
        z[i] = b + total


# why four samples at a time (many features, F order): w is loaded once for four dot products
# and dw loaded and stored once for four samples, so the work per element read from memory is
# ~1 load and 1 multiply-add per pass instead of up to 3 loads and a store; measured with 2
# threads, m=10⁵, n_x=1000, F order, interleaved, on Ice Lake: 0.50–0.55 of the bandwidth floor
# one sample at a time, 0.83–0.87 four at a time. Below GENERIC.group_from_features the per-group
# overhead (four horizontal sums, loop set-up) costs more than it saves (1.14× slower at n_x=100,
# 1.3–1.5× at 16–50); on Zen 4 it never pays (see ZEN).
@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _logits_sample_groups(w, b, XT, start, stop, z):
    _prefer_512_bit_vectors()
    grouped = (stop - start) // 4 * 4
    for i in range(0, grouped, 4):
        x0, x1, x2, x3 = XT[start + i], XT[start + i + 1], XT[start + i + 2], XT[start + i + 3]
        t0 = t1 = t2 = t3 = 0.0
        for j in range(XT.shape[1]):
            weight = w[j]
            t0 += weight * x0[j]
            t1 += weight * x1[j]
            t2 += weight * x2[j]
            t3 += weight * x3[j]
        z[i], z[i + 1], z[i + 2], z[i + 3] = b + t0, b + t1, b + t2, b + t3
    _logits_sample_major(w, b, XT, start + grouped, stop, z[grouped:])


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _accumulate_sample_groups(XT, start, stop, dz, dw):
    _prefer_512_bit_vectors()
    grouped = (stop - start) // 4 * 4
    for i in range(0, grouped, 4):
        x0, x1, x2, x3 = XT[start + i], XT[start + i + 1], XT[start + i + 2], XT[start + i + 3]
        d0, d1, d2, d3 = dz[i], dz[i + 1], dz[i + 2], dz[i + 3]
        for j in range(XT.shape[1]):
            dw[j] += (d0 * x0[j] + d1 * x1[j]) + (d2 * x2[j] + d3 * x3[j])
    for i in range(grouped, stop - start):
        sample = XT[start + i]
        d = dz[i]
        for j in range(XT.shape[1]):
            dw[j] += d * sample[j]


#: Sequential streams of samples the SAMPLE_MAJOR_STREAMS walk reads side by side in a block.
STREAMS = 8


# why eight streams (F order, SAMPLE_MAJOR_STREAMS): a core's read bandwidth is bounded by the
# misses it keeps in flight, and its prefetchers run ahead on each stream they follow; a block
# read as eight sub-ranges side by side (samples i, i+q, ..., i+7q) keeps eight streams going
# where the other sample-major walks keep one. The eight dot products also share each load of w
# and the dw update shares each load and store of dw over eight samples. Throwaway script on an
# Intel Xeon (rocketlake, 2 threads, m=10⁶, n_x=100, F order, interleaved): the logits pass at
# 0.61 of the eight-stream read one sample at a time, 0.56 four adjacent samples at a time, 0.76
# four streams, 0.91–0.98 eight streams; the whole step at 0.60 against 0.47 (sample-major) and
# 0.49 (sample-major-grouped-dw); m=10⁵, n_x=1000: 0.72–0.73 against 0.62 (sample-major-grouped).
# The dw pass (from L2) still adds a third; neither prefetching the next block during it (0.49),
# nor pipelining it with the next block's logits, nor one pass per eight samples (0.51–0.54,
# the per-sample math then costs more) did better, so they are not kept.
@numba.njit(cache=True, fastmath=_SUM_FLAGS, inline="always")
def _streams_logits(w, b, XT, a, q, z, i):
    """z[i + k·q] = b + w·XT[a + k·q] for k < STREAMS."""
    x0, x1, x2, x3 = XT[a], XT[a + q], XT[a + 2 * q], XT[a + 3 * q]
    x4, x5, x6, x7 = XT[a + 4 * q], XT[a + 5 * q], XT[a + 6 * q], XT[a + 7 * q]
    t0 = t1 = t2 = t3 = t4 = t5 = t6 = t7 = 0.0
    for j in range(XT.shape[1]):
        weight = w[j]
        t0 += weight * x0[j]
        t1 += weight * x1[j]
        t2 += weight * x2[j]
        t3 += weight * x3[j]
        t4 += weight * x4[j]
        t5 += weight * x5[j]
        t6 += weight * x6[j]
        t7 += weight * x7[j]
    z[i], z[i + q], z[i + 2 * q], z[i + 3 * q] = b + t0, b + t1, b + t2, b + t3
    z[i + 4 * q], z[i + 5 * q], z[i + 6 * q], z[i + 7 * q] = b + t4, b + t5, b + t6, b + t7


@numba.njit(cache=True, fastmath=_SUM_FLAGS, inline="always")
def _streams_products(XT, a, q, dz, i, dw):
    """dw += Σ_k dz[i + k·q]·XT[a + k·q] for k < STREAMS."""
    x0, x1, x2, x3 = XT[a], XT[a + q], XT[a + 2 * q], XT[a + 3 * q]
    x4, x5, x6, x7 = XT[a + 4 * q], XT[a + 5 * q], XT[a + 6 * q], XT[a + 7 * q]
    d0, d1, d2, d3 = dz[i], dz[i + q], dz[i + 2 * q], dz[i + 3 * q]
    d4, d5, d6, d7 = dz[i + 4 * q], dz[i + 5 * q], dz[i + 6 * q], dz[i + 7 * q]
    for j in range(XT.shape[1]):
        dw[j] += ((d0 * x0[j] + d1 * x1[j]) + (d2 * x2[j] + d3 * x3[j])) + (
            (d4 * x4[j] + d5 * x5[j]) + (d6 * x6[j] + d7 * x7[j]))


@numba.njit(cache=True, fastmath=_SUM_FLAGS, inline="always")
def _add_sample_product(XT, row, d, dw):
    sample = XT[row]
    for j in range(XT.shape[1]):
        dw[j] += d * sample[j]


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _logits_sample_streams(w, b, XT, start, stop, z):
    """z[i - start] = b + w·XT[i] for i in [start, stop), STREAMS sub-ranges side by side."""
    _prefer_512_bit_vectors()
    q = (stop - start) // STREAMS
    for i in range(q):
        _streams_logits(w, b, XT, start + i, q, z, i)
    done = STREAMS * q
    _logits_sample_major(w, b, XT, start + done, stop, z[done:])


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _accumulate_sample_streams(XT, start, stop, dz, dw):
    """dw += Σ_i dz[i - start]·XT[i] over [start, stop), STREAMS sub-ranges side by side."""
    _prefer_512_bit_vectors()
    q = (stop - start) // STREAMS
    for i in range(q):
        _streams_products(XT, start + i, q, dz, i, dw)
    for i in range(STREAMS * q, stop - start):
        _add_sample_product(XT, start + i, dz[i], dw)


#: From this many features _transpose_block moves 4×4 tiles through SIMD registers
#: (_transpose_4x4); below, each count has its own compiled copy (_deinterleave).
TILES_FROM_FEATURES = 5


@numba.njit(cache=True, inline="always")
def _deinterleave(flat, scratch, count, n_x):
    """scratch[j, i] = flat[n_x·i + j]; called with a constant ``n_x``. why: inlined, the constant
    stride lets LLVM load a run of samples with wide loads and split it with shuffles (an
    interleaved access group) instead of one gather or scalar load per element."""
    for i in range(count):
        for j in range(n_x):
            scratch[j, i] = flat[n_x * i + j]


@numba.njit(cache=True)
def _transpose_block(XT, start, stop, scratch):
    """scratch[j, i] = XT[start + i, j]: a sample-major block made feature-major (float64)."""
    n_x = XT.shape[1]
    count = stop - start
    if n_x >= TILES_FROM_FEATURES:
        # why tiles: on Zen 3 (F order, interleaved) the copy sample by sample, one scalar store
        # per element, cost as much as the rest of the step on a cached block at n_x=10; 4×4
        # tiles copy an L1-resident block 1.3–2× faster for n_x 5–24, and the whole step at
        # m=10⁶ went from 0.49 to 0.55 of a same-round read of X (n_x=10, 2 threads), 0.41 to
        # 0.48 (1 thread), 0.47 to 0.54 (n_x=16, 2 threads).
        quads = count // 4 * 4
        columns = n_x // 4 * 4
        for i in range(0, quads, 4):
            for j in range(0, columns, 4):
                _transpose_4x4(XT, start + i, j, scratch, i)
            if columns < n_x:  # why overlapping the last tile: no scalar remainder of columns
                _transpose_4x4(XT, start + i, n_x - 4, scratch, i)
        for i in range(quads, count):
            for j in range(n_x):
                scratch[j, i] = XT[start + i, j]
        return
    # why a branch per feature count from 1 to 4: each compiles _deinterleave for that constant.
    # Measured with 2 threads, m=10⁶, interleaved, F order's step time over C order's: n_x=2 1.17
    # against 1.25 with tiles, n_x=4 1.26 against 1.33.
    flat = XT[start:stop].reshape(n_x * count)
    if n_x == 1:
        _deinterleave(flat, scratch, count, 1)
    elif n_x == 2:
        _deinterleave(flat, scratch, count, 2)
    elif n_x == 3:
        _deinterleave(flat, scratch, count, 3)
    else:
        _deinterleave(flat, scratch, count, 4)


#: Independent running products of (1 + e^−|s|) kept by _per_sample: sample i of a block goes to
#: lane i % LANES.
LANES = 32


# why: error_model="numpy" drops Python's division-by-zero check (1 + e ≥ 1 is never zero), a
# branch that would keep the loop scalar. Contraction only, no reassociation: the Cody–Waite
# reduction in exp_nonpositive must keep its evaluation order. The outputs go to arrays, summed
# afterwards, so this loop has no reduction and vectorises without reassociation.
#
# why the products: the cost needs only Σ log1p(e_i) = log Π(1 + e_i), so one log1p per lane and
# block (_log1p_of_products) replaces one per sample, dropping the atanh series and a division
# from the per-sample work (measured, m=10⁶, n_x=2, C order: 5.0 → 3.8 ms per step on one
# thread, 2.6 → 1.8 ms on two). Lane l keeps q = Π(1 + e_i) − 1 by q ← q + (e + e·q): every term
# is ≥ 0, so there is no cancellation and q stays relatively accurate (~2 ulp per sample) even
# when all e are tiny or subnormal, where 1 + q would round q away. With ≤ MAX_BLOCK / LANES =
# 64 samples per lane and block, q < 2^64. products[i + LANES] builds on products[i]: a
# dependence LANES samples back, so the loop still runs 8 samples per SIMD instruction, and
# products[:LANES] = 0 starts every lane of every block.
@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _per_sample(y, start, stop, z, dz, products):
    """dz of the block's samples; z[i] is overwritten by max(s, 0) and products[count:count +
    LANES] receive the lanes' Π(1 + e^−|s|) − 1 (see above)."""
    _prefer_512_bit_vectors()
    labels = y[start:stop]
    for i in range(stop - start):
        relu, e, dz[i] = softplus_parts(z[i], np.float64(labels[i]))
        z[i] = relu
        q = products[i]
        products[i + LANES] = q + (e + e * q)


#: The _FEW walks take at most this many features: sample-major (F order, interleaved loads,
#: one compiled loop per count) and feature-major (C order, one stream per row). why sixteen
#: rows: measured on Zen 3 (2 threads, m=10⁶, interleaved, against FEATURE_MAJOR at its best
#: block): 0.70× the time at n_x=6, 0.82× at 10, 0.87–0.94× at 16, but 1.06–1.08× at 24 and
#: 1.12–1.18× at 32 (more streams than the prefetchers follow, and the math a smaller share).
FEW_FEATURES_SAMPLE_MAJOR = 4
FEW_FEATURES_FEATURE_MAJOR = 16


# why (few features, the _FEW walks): with a handful of features the per-sample math costs more
# than reading the block, and a separate logits pass ran before it: the core waited on memory
# through the logits pass, then the memory bus idled through the math (ablation, m=10⁶, n_x=2, C,
# 2 threads: logits pass 0.74 ms, the math alone 1.89 ms, both 2.37 ms). Here one loop reads a
# sample's features and label, makes its logit and does its math, so the loads of later samples
# overlap the math of earlier ones; the count of rows is a constant in each compiled copy (see
# _logits_and_math_rows), so the feature loop unrolls and the sample loop stays SIMD.
#
# why padded rows: each copy costs first-time compilation (the six beyond four features ~6 s
# per dtype on Zen 3, see _rows_1), so beyond four features there is one copy per even count,
# and an odd count runs in the next one with its last row read twice at weight 0 (exact: X is
# finite, and fma(0, x, t) = t). Measured (Zen 3, 2 threads, m=10⁶, interleaved) in a copy with
# 1–3 extra rows: 1.05–1.08× the exact copy's time.
@numba.njit(cache=True, inline="always")
def _row_start(k, X, start):
    """Where sample ``start`` of row k of C-ordered X (the last row for k ≥ n_x) is in X.ravel()."""
    return uint64(min(k, X.shape[0] - 1) * X.shape[1] + start)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy", inline="always")
def _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, rows):
    """Feature-major (X (n_x, m), C-contiguous): a constant ``rows`` ≥ n_x, ≤
    FEW_FEATURES_FEATURE_MAJOR; ``padded_w`` (FEW_FEATURES_FEATURE_MAJOR,) is w, then zeros."""
    _prefer_512_bit_vectors()
    labels = y[start:stop]
    # why views for the first four rows and one flat view with unsigned offsets beyond: an index
    # from the loop variable alone, or an unsigned one, has no negative-index check (which kept
    # the loop scalar), and sixteen views, one per row, made each copy slower to compile: the
    # first-time compilation of numba-fused (float64) went from 61–66 s to 51 s (`python -m
    # bench.measure.compile_cache float64`, Zen 3), the same loops. The copies for up to four
    # features read only views, as before. A padded row reads the last one, at weight 0.
    last = X.shape[0] - 1
    r0, r1, r2, r3 = X[0, start:stop], X[min(1, last), start:stop], X[min(2, last), start:stop], \
        X[min(3, last), start:stop]
    flat = X.ravel()
    o4, o5, o6, o7 = _row_start(4, X, start), _row_start(5, X, start), _row_start(6, X, start), \
        _row_start(7, X, start)
    o8, o9, o10, o11 = _row_start(8, X, start), _row_start(9, X, start), _row_start(10, X, start), \
        _row_start(11, X, start)
    o12, o13, o14, o15 = _row_start(12, X, start), _row_start(13, X, start), _row_start(14, X, start), \
        _row_start(15, X, start)
    w0, w1, w2, w3, w4, w5, w6, w7 = padded_w[:8]
    w8, w9, w10, w11, w12, w13, w14, w15 = padded_w[8:16]
    for j in range(stop - start):
        i = uint64(j)
        total = b + w0 * r0[j]
        if rows > 1:
            total += w1 * r1[j]
        if rows > 2:
            total += w2 * r2[j]
        if rows > 3:
            total += w3 * r3[j]
        if rows > 4:
            total += w4 * flat[o4 + i]
        if rows > 5:
            total += w5 * flat[o5 + i]
        if rows > 6:
            total += w6 * flat[o6 + i]
        if rows > 7:
            total += w7 * flat[o7 + i]
        if rows > 8:
            total += w8 * flat[o8 + i]
        if rows > 9:
            total += w9 * flat[o9 + i]
        if rows > 10:
            total += w10 * flat[o10 + i]
        if rows > 11:
            total += w11 * flat[o11 + i]
        if rows > 12:
            total += w12 * flat[o12 + i]
        if rows > 13:
            total += w13 * flat[o13 + i]
        if rows > 14:
            total += w14 * flat[o14 + i]
        if rows > 15:
            total += w15 * flat[o15 + i]
        relu, e, dz[j] = softplus_parts(total, np.float64(labels[j]))
        z[j] = relu
        q = products[j]
        products[j + LANES] = q + (e + e * q)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy", inline="always")
def _logits_and_math_samples_n(w, b, XT, y, start, stop, z, dz, products, n_x):
    """Sample-major (XT (m, n_x)), a constant ``n_x`` ≤ FEW_FEATURES_SAMPLE_MAJOR."""
    _prefer_512_bit_vectors()
    count = stop - start
    labels = y[start:stop]
    last = n_x - 1
    # why a flat copy-free reshape: as the views above
    flat = XT[start:stop].reshape(n_x * count)
    w0, w1, w2, w3 = w[0], w[min(1, last)], w[min(2, last)], w[min(3, last)]
    for i in range(count):
        total = b + w0 * flat[n_x * i]
        if n_x > 1:
            total += w1 * flat[n_x * i + 1]
        if n_x > 2:
            total += w2 * flat[n_x * i + 2]
        if n_x > 3:
            total += w3 * flat[n_x * i + 3]
        relu, e, dz[i] = softplus_parts(total, np.float64(labels[i]))
        z[i] = relu
        q = products[i]
        products[i + LANES] = q + (e + e * q)


@numba.njit(cache=True, fastmath=_SUM_FLAGS, inline="always")
def _accumulate_few_n(XT, start, stop, dz, dw, n_x):
    """dw += XT[start:stop].T·dz for a constant ``n_x`` ≤ 4 (sample-major): one SIMD sum per
    feature over the block's interleaved rows (why: the four-samples-at-a-time dw pass spends a
    loop per sample on one to four features)."""
    count = stop - start
    flat = XT[start:stop].reshape(n_x * count)
    t0 = t1 = t2 = t3 = 0.0
    for i in range(count):
        d = dz[i]
        t0 += d * flat[n_x * i]
        if n_x > 1:
            t1 += d * flat[n_x * i + 1]
        if n_x > 2:
            t2 += d * flat[n_x * i + 2]
        if n_x > 3:
            t3 += d * flat[n_x * i + 3]
    dw[0] += t0
    if n_x > 1:
        dw[1] += t1
    if n_x > 2:
        dw[2] += t2
    if n_x > 3:
        dw[3] += t3


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _accumulate_few(XT, start, stop, dz, dw):
    """:func:`_accumulate_few_n` for 1..FEW_FEATURES_SAMPLE_MAJOR features."""
    n_x = XT.shape[1]
    if n_x == 1:
        _accumulate_few_n(XT, start, stop, dz, dw, 1)
    elif n_x == 2:
        _accumulate_few_n(XT, start, stop, dz, dw, 2)
    elif n_x == 3:
        _accumulate_few_n(XT, start, stop, dz, dw, 3)
    else:
        _accumulate_few_n(XT, start, stop, dz, dw, 4)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")  # why: as _per_sample (inlined)
def _logits_and_math_samples(w, b, XT, y, start, stop, z, dz, products):
    """The logits and _per_sample of samples [start, stop) in one loop, for 1..4 features of
    ``XT`` (m, n_x)."""
    n_x = w.shape[0]
    if n_x == 1:
        _logits_and_math_samples_n(w, b, XT, y, start, stop, z, dz, products, 1)
    elif n_x == 2:
        _logits_and_math_samples_n(w, b, XT, y, start, stop, z, dz, products, 2)
    elif n_x == 3:
        _logits_and_math_samples_n(w, b, XT, y, start, stop, z, dz, products, 3)
    else:
        _logits_and_math_samples_n(w, b, XT, y, start, stop, z, dz, products, 4)


# why one function per copy (not all inlined into the dispatch, as for sample-major): LLVM's
# time grows faster than the function, and ten vectorised copies in one function took ~86 s of
# first-time compilation per dtype against ~48 s as separate functions (41 s before the copies
# beyond four; `python -m bench.measure.compile_cache float64`, Zen 3). One call per block.
@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_1(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 1)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_2(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 2)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_3(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 3)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_4(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 4)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_6(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 6)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_8(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 8)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_10(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 10)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_12(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 12)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_14(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 14)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_16(padded_w, b, X, y, start, stop, z, dz, products):
    _logits_and_math_rows_n(padded_w, b, X, y, start, stop, z, dz, products, 16)


@numba.njit(cache=True)
def _logits_and_math_rows(padded_w, b, X, y, start, stop, z, dz, products):
    """The logits and _per_sample of samples [start, stop) in one loop, for 1..16 features of
    ``X`` (n_x, m): the copy for n_x, or for the next even count (``padded_w``: see
    _logits_and_math_rows_n)."""
    n_x = X.shape[0]
    if n_x <= 1:
        _rows_1(padded_w, b, X, y, start, stop, z, dz, products)
    elif n_x <= 2:
        _rows_2(padded_w, b, X, y, start, stop, z, dz, products)
    elif n_x <= 3:
        _rows_3(padded_w, b, X, y, start, stop, z, dz, products)
    elif n_x <= 4:
        _rows_4(padded_w, b, X, y, start, stop, z, dz, products)
    elif n_x <= 6:
        _rows_6(padded_w, b, X, y, start, stop, z, dz, products)
    elif n_x <= 8:
        _rows_8(padded_w, b, X, y, start, stop, z, dz, products)
    elif n_x <= 10:
        _rows_10(padded_w, b, X, y, start, stop, z, dz, products)
    elif n_x <= 12:
        _rows_12(padded_w, b, X, y, start, stop, z, dz, products)
    elif n_x <= 14:
        _rows_14(padded_w, b, X, y, start, stop, z, dz, products)
    else:
        _rows_16(padded_w, b, X, y, start, stop, z, dz, products)


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _log1p_of_products(products, count):
    """Replace the lanes' products[count:count + LANES] by their log1p (Σ log1p(e) per lane)."""
    _prefer_512_bit_vectors()
    for i in range(count, count + LANES):
        products[i] = log1p_nonnegative(products[i])


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _sum(values, count):
    total = 0.0
    for i in range(count):
        total += values[i]
    return total


@numba.njit(cache=True, fastmath=_SUM_FLAGS, inline="always")
def _add_eight_rows_products(X, j, start, stop, dz, dw):
    """dw[j:j+8] += X[j:j+8, start:stop]·dz[:stop-start]."""
    r0, r1, r2, r3, r4, r5, r6, r7 = _eight_rows(X, j, start, stop)
    t0 = t1 = t2 = t3 = t4 = t5 = t6 = t7 = 0.0
    for i in range(stop - start):
        d = dz[i]
        t0 += r0[i] * d
        t1 += r1[i] * d
        t2 += r2[i] * d
        t3 += r3[i] * d
        t4 += r4[i] * d
        t5 += r5[i] * d
        t6 += r6[i] * d
        t7 += r7[i] * d
    dw[j] += t0
    dw[j + 1] += t1
    dw[j + 2] += t2
    dw[j + 3] += t3
    dw[j + 4] += t4
    dw[j + 5] += t5
    dw[j + 6] += t6
    dw[j + 7] += t7


@numba.njit(cache=True, fastmath=_SUM_FLAGS, inline="always")
def _add_row_product(X, j, start, stop, dz, dw):
    row = X[j, start:stop]
    total = 0.0
    for i in range(stop - start):
        total += row[i] * dz[i]
    dw[j] += total


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _accumulate_feature_major(X, start, stop, dz, dw):
    n_x = X.shape[0]
    for j in range(n_x - n_x % ROWS, n_x):
        _add_row_product(X, j, start, stop, dz, dw)
    # why backwards: the logits pass read the rows forwards, so the last rows are the ones most
    # surely still in cache when a block is larger than L2 (many features).
    for j in range(n_x - n_x % ROWS - ROWS, -1, -ROWS):
        _add_eight_rows_products(X, j, start, stop, dz, dw)


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _accumulate_sample_major(XT, start, stop, dz, dw):
    m, n_x = XT.shape
    line = 64 // XT.itemsize
    for i in range(stop - start):
        sample = XT[start + i]
        d = dz[i]
        for j in range(n_x):
            dw[j] += d * sample[j]
        # why: this pass reads from L2 and leaves the memory bus idle; request the next
        # block's sample i now, so the next logits pass finds it in L2.
        if stop + i < m:
            for j in range(0, n_x, line):
                _prefetch_to_l2(XT, stop + i, j)


# why pipelined: the dw pass re-reads a block from cache, and on CPUs whose prefetchers do not
# run ahead into the next block the memory bus idles meanwhile (Intel Xeon, 2 threads, m=10⁶,
# n_x=100: logits pass alone 0.79 of the floor, whole step 0.60). Sweeping the current block (for
# dw, from cache) and the next block (for its logits, from memory) in the same loop keeps the
# memory stream going through the whole step. Same arithmetic, same order of the sums per sample.
@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _accumulate_and_next_logits_feature_major(w, b, X, start, next_start, count, dz, dw, z_next):
    """dw += X[:, start:start+count]·dz and z_next = b + wᵀX[:, next_start:next_start+count],
    eight rows of one then eight rows of the other (why: each loop stays as simple, and as
    vectorised, as in the separate passes, while the memory stream never pauses for long)."""
    z_next[:count] = b
    n_x = X.shape[0]
    for j in range(0, n_x - ROWS + 1, ROWS):
        _add_eight_rows_products(X, j, start, start + count, dz, dw)
        _add_eight_rows_logits(w, X, j, next_start, next_start + count, z_next)
    for j in range(n_x - n_x % ROWS, n_x):
        _add_row_product(X, j, start, start + count, dz, dw)
        _add_row_logits(w, X, j, next_start, next_start + count, z_next)


@numba.njit(cache=True, fastmath=_SUM_FLAGS)
def _accumulate_and_next_logits_sample_major(w, b, XT, start, next_start, count, dz, dw, z_next):
    """The sample-major form of _accumulate_and_next_logits_feature_major (XT (m, n_x))."""
    for i in range(count):
        sample = XT[start + i]
        next_sample = XT[next_start + i]
        d = dz[i]
        total = 0.0
        for j in range(XT.shape[1]):
            dw[j] += d * sample[j]
            total += w[j] * next_sample[j]
        z_next[i] = b + total


#: Bytes of X per micro-block of SAMPLE_MAJOR_MICRO (a third of a 48 KiB L1: X's rows, z, dz).
MICRO_BYTES = 32 * 1024


# why micro-blocks (F order): the dw pass of a block re-reads it from L2 (or L3), and on one
# core those reads compete with the memory stream for the same miss buffers: at m=10⁶, n_x=100
# on one thread the dw pass added a third to the step. A micro-block of MICRO_BYTES runs the
# logits (X from memory), the per-sample math (vectorised across its samples) and the dw pass (X
# from L1) before the next one, so X leaves L1 only once. z, dz and the lanes' products keep
# their positions in the enclosing block, so the lanes chain exactly as with whole blocks and the
# log1p of the lanes is still taken once per block.
@numba.njit(cache=True)
def _micro_blocks(w, b, XT, y, start, stop, z, dz, products, dw, micro_bytes, grouped_logits):
    """Logits (four samples at a time if ``grouped_logits``, else one), per-sample math and dw of
    samples [start, stop) of sample-major ``XT``, a micro-block of ``micro_bytes`` at a time:
    z[i] ← max(s, 0), dz, products as _per_sample; dw += Σ x·dz."""
    micro = max(16, micro_bytes // (8 * XT.shape[1]) // 16 * 16)  # why 16: whole SIMD iterations
    for low in range(0, stop - start, micro):
        high = min(low + micro, stop - start)
        if grouped_logits:
            _logits_sample_groups(w, b, XT, start + low, start + high, z[low:])
        else:
            _logits_sample_major(w, b, XT, start + low, start + high, z[low:])
        _per_sample(y, start + low, start + high, z[low:], dz[low:], products[low:])
        _accumulate_sample_groups(XT, start + low, start + high, dz[low:], dw)


#: Bytes of X per micro-block of SAMPLE_MAJOR_ONE_PASS (at least 16 samples). why 8 KiB: its rows
#: stay in L1 between their logits and the dw update with room for z, dz, w and dw, and the three
#: calls per micro-block are spread over ≥ 16 samples.
GROUP_BYTES = 8 * 1024


# why one pass (F order, SAMPLE_MAJOR_ONE_PASS): the other sample-major walks read a block's rows
# twice, the second time (the dw pass) from L2 or L3; ablation at m=10⁶, n_x=10, F order, one
# thread (sample-major-grouped-dw, 2 MiB blocks) put the logits pass at 0.96 of the floor and the
# dw pass at 42% of the step. Micro-blocks of GROUP_BYTES have their logits one sample at a time
# (streaming four rows at once, as SAMPLE_MAJOR_MICRO does, lost the hardware prefetcher: 2×
# slower at n_x=100), their per-sample math and their dw (four samples at a time) done while their
# rows are in L1, as LAPACK's GEMVT and BLIS's dotxaxpyf fuse a dot and an axpy over the same
# columns. Against the other walks on this 2-vCPU VM under other tenants' load the order changed
# from run to run; it is a planner candidate, kept by `vecbench tune` only where it wins.


#: How much of the step run_blocks does: the logits pass alone (its "cost" is then Σ z); also
#: the per-sample math (dw stays 0); everything. The kernels do everything; ``bench.ablation``
#: times the first two alone, to show where a step's time goes.
LOGITS_ONLY, WITHOUT_DW, WHOLE_STEP = 1, 2, 3


@numba.njit(cache=True)
def run_blocks(w, b, X, y, walk, block, first, last, stages):
    """Blocks ``first..last-1`` of the step: returns (Σ x·dz (n_x,), Σ dz, Σ loss), unscaled.

    ``X`` is (n_x, m) if ``walk`` is FEATURE_MAJOR, else (m, n_x); ``w`` (n_x,) float64;
    ``y`` (m,). ``stages`` < WHOLE_STEP stops early (see LOGITS_ONLY).
    """
    m = y.shape[0]
    # why: a _FEW walk beyond its count of features (a plan's regime spans more) runs as the
    # built-in default for few features of its order
    few = ((walk == FEATURE_MAJOR_FEW and w.shape[0] <= FEW_FEATURES_FEATURE_MAJOR)
           or (walk == SAMPLE_MAJOR_FEW and w.shape[0] <= FEW_FEATURES_SAMPLE_MAJOR))
    if walk == FEATURE_MAJOR_FEW:
        walk = FEATURE_MAJOR
    elif walk == SAMPLE_MAJOR_FEW:
        walk = SAMPLE_MAJOR_GROUPED_DW if few else SAMPLE_MAJOR_TRANSPOSED
    z = np.empty(block)
    dz = np.empty(block)
    products = np.zeros(LANES + block)
    dw = np.zeros(w.shape[0])
    padded_w = np.zeros(FEW_FEATURES_FEATURE_MAJOR)  # FEATURE_MAJOR_FEW's weights, zeros beyond n_x
    padded_w[:min(w.shape[0], FEW_FEATURES_FEATURE_MAJOR)] = w[:FEW_FEATURES_FEATURE_MAJOR]
    # why: rows padded by one cache line, so the n_x stores of one sample do not all map to
    # the same L1 cache set (rows 2^k bytes apart would; measured 3x slower transposes).
    scratch = np.empty((w.shape[0] if walk == SAMPLE_MAJOR_TRANSPOSED else 0, block + 8))
    pipelined = stages == WHOLE_STEP and (walk == FEATURE_MAJOR_PIPELINED or walk == SAMPLE_MAJOR_PIPELINED)
    z_next = np.empty(block if pipelined else 0)
    have_logits = False  # z already holds this block's logits (a pipelined sweep made them)
    micro_blocks = (walk == SAMPLE_MAJOR_MICRO or walk == SAMPLE_MAJOR_ONE_PASS) and stages == WHOLE_STEP
    db = 0.0
    cost = 0.0
    for k in range(first, last):
        start = k * block
        stop = min(start + block, m)
        count = stop - start
        if have_logits:
            z, z_next = z_next, z
        elif few and stages != LOGITS_ONLY and walk == FEATURE_MAJOR:  # FEATURE_MAJOR_FEW
            _logits_and_math_rows(padded_w, b, X, y, start, stop, z, dz, products)
        elif few and stages != LOGITS_ONLY:  # SAMPLE_MAJOR_FEW
            _logits_and_math_samples(w, b, X, y, start, stop, z, dz, products)
        elif micro_blocks and walk == SAMPLE_MAJOR_ONE_PASS:
            _micro_blocks(w, b, X, y, start, stop, z, dz, products, dw, GROUP_BYTES, False)
        elif micro_blocks:
            _micro_blocks(w, b, X, y, start, stop, z, dz, products, dw, MICRO_BYTES, True)
        elif walk == SAMPLE_MAJOR_TRANSPOSED:
            _transpose_block(X, start, stop, scratch)
            _logits_feature_major(w, b, scratch, 0, count, z)
        elif walk == SAMPLE_MAJOR or walk == SAMPLE_MAJOR_GROUPED_DW or walk == SAMPLE_MAJOR_PIPELINED:
            _logits_sample_major(w, b, X, start, stop, z)
        elif walk == SAMPLE_MAJOR_GROUPED or walk == SAMPLE_MAJOR_MICRO or walk == SAMPLE_MAJOR_ONE_PASS:
            _logits_sample_groups(w, b, X, start, stop, z)
        elif walk == SAMPLE_MAJOR_STREAMS:
            _logits_sample_streams(w, b, X, start, stop, z)
        else:
            _logits_feature_major(w, b, X, start, stop, z)
        if stages == LOGITS_ONLY:
            cost += _sum(z, count)
            continue
        if not (micro_blocks or few):
            _per_sample(y, start, stop, z, dz, products)
        _log1p_of_products(products, count)
        db += _sum(dz, count)
        cost += _sum(z, count) + _sum(products[count:], LANES)
        if stages == WITHOUT_DW or micro_blocks:
            continue
        # why only for a next block of the same length: one loop bound for both sweeps
        have_logits = pipelined and k + 1 < last and min(stop + block, m) - stop == count
        if have_logits:
            if walk == FEATURE_MAJOR_PIPELINED:
                _accumulate_and_next_logits_feature_major(w, b, X, start, stop, count, dz, dw, z_next)
            else:
                _accumulate_and_next_logits_sample_major(w, b, X, start, stop, count, dz, dw, z_next)
        elif walk == SAMPLE_MAJOR_TRANSPOSED:
            _accumulate_feature_major(scratch, 0, count, dz, dw)
        elif few and walk == SAMPLE_MAJOR_GROUPED_DW:  # SAMPLE_MAJOR_FEW
            _accumulate_few(X, start, stop, dz, dw)
        elif walk == SAMPLE_MAJOR or walk == SAMPLE_MAJOR_PIPELINED:
            _accumulate_sample_major(X, start, stop, dz, dw)
        elif walk == SAMPLE_MAJOR_GROUPED or walk == SAMPLE_MAJOR_GROUPED_DW:
            _accumulate_sample_groups(X, start, stop, dz, dw)
        elif walk == SAMPLE_MAJOR_STREAMS:
            _accumulate_sample_streams(X, start, stop, dz, dw)
        else:
            _accumulate_feature_major(X, start, stop, dz, dw)
    return dw, db, cost


# --------------------------------------------------------------------------------------------
# The compute roof: the step's per-sample math alone, on data already in the core's cache.


@numba.njit(cache=True)
def _math_of_blocks(y, logits, repeats):
    """run_blocks' per-sample work on one block ``repeats`` times: z ← logits (standing for the
    logits pass's store), _per_sample, the lanes' log1p and the sums; X is never read."""
    count = y.shape[0]
    z = np.empty(count)
    dz = np.empty(count)
    products = np.zeros(LANES + count)
    total = 0.0
    for _ in range(repeats):
        z[:] = logits
        _per_sample(y, 0, count, z, dz, products)
        _log1p_of_products(products, count)
        total += _sum(dz, count) + _sum(z, count) + _sum(products[count:], LANES)
    return total


@numba.njit(cache=True, parallel=True)
def per_sample_math(y, logits, repeats, threads):
    """The per-sample math of ``threads × repeats × len(y)`` samples, ``repeats`` blocks per
    thread on cache-resident ``y`` (block,) and ``logits`` (block,) float64: what the step costs
    when reading X costs nothing (``bench.measure.compute_roof``). Returns a checksum."""
    totals = np.empty(threads)
    for t in numba.prange(threads):
        totals[t] = _math_of_blocks(y, logits, repeats)
    return totals.sum()


# --------------------------------------------------------------------------------------------
# The two drivers: all blocks on one thread, or contiguous ranges of blocks over threads.


@numba.njit(cache=True)
def fused_step(w, b, X, y, walk, block):
    """The whole step on the calling thread; returns (dw (n_x,), db, cost), divided by m."""
    m = y.shape[0]
    dw, db, cost = run_blocks(w, b, X, y, walk, block, 0, (m + block - 1) // block, WHOLE_STEP)
    return dw / m, db / m, cost / m


@numba.njit(cache=True, parallel=True)
def parallel_step(w, b, X, y, walk, block, threads, stages):
    """The step (its first ``stages``, see LOGITS_ONLY) over ``threads`` contiguous ranges of
    blocks, one per thread, then reduced."""
    m = y.shape[0]
    n_blocks = (m + block - 1) // block
    # why: each range has its own partial dw, db and cost (no shared writes, so no false
    # sharing and no locks), summed once at the end.
    n_ranges = min(threads, n_blocks)
    partial_dw = np.empty((n_ranges, w.shape[0]))
    partial_db = np.empty(n_ranges)
    partial_cost = np.empty(n_ranges)
    for r in numba.prange(n_ranges):
        first = r * n_blocks // n_ranges
        last = (r + 1) * n_blocks // n_ranges
        partial_dw[r], partial_db[r], partial_cost[r] = run_blocks(
            w, b, X, y, walk, block, first, last, stages)
    return partial_dw.sum(axis=0) / m, partial_db.sum() / m, partial_cost.sum() / m
