-- Arithmetic and math functions (Flink docs: "Arithmetic Functions"), signs, zeros, NULLs, overflow.
i + 1
i - ineg
i * ineg
i / 5
ineg / 2
i / 5.0
d / 2
i % 5
ineg % 5
MOD(i, 5)
MOD(ineg, 5)
MOD(i, ineg)
MOD(inul, 3)
ABS(ineg)
ABS(dneg)
ABS(m2n)
ABS(si)
-i
-d
POWER(2, 10)
POWER(d, 2)
POWER(2, -1)
POWER(-8, 1.0 / 3)
SQRT(16)
SQRT(d)
SQRT(-1)
LN(d)
LN(1)
LN(0)
LN(-1)
LOG10(1000)
LOG10(d)
LOG2(8)
LOG2(d)
LOG(d)
LOG(10, 100)
LOG(2, 8)
LOG(2.0, d)
EXP(1)
EXP(0)
EXP(d)
CEIL(d)
CEIL(dneg)
CEIL(m2)
CEIL(m2n)
CEIL(i)
CEILING(d)
FLOOR(d)
FLOOR(dneg)
FLOOR(m2)
FLOOR(m2n)
FLOOR(i)
SIN(d)
SINH(1.5)
COS(d)
COSH(1.5)
TAN(d)
TANH(0.5)
COT(d)
ASIN(0.5)
ACOS(0.5)
ATAN(d)
ATAN2(1, 2)
ATAN2(dneg, d)
DEGREES(PI())
RADIANS(180)
PI()
E()
SIGN(ineg)
SIGN(d)
SIGN(iz)
SIGN(m2n)
SIGN(dnul)
ROUND(d)
ROUND(d, 1)
ROUND(2.5)
ROUND(-2.5)
ROUND(dneg)
ROUND(m2, 1)
ROUND(m2n, 1)
ROUND(1234.5678, -2)
ROUND(i, -1)
ROUND(CAST(0.125 AS DOUBLE), 2)
ROUND(1.005, 2)
TRUNCATE(d, 1)
TRUNCATE(dneg)
TRUNCATE(m2, 1)
TRUNCATE(1234.5678, -2)
TRUNCATE(i, -1)
TRUNCATE(m2n, 1)
i + inul
d * dnul
1 / 3
1.0 / 3
10 / 4
CAST(10 AS DOUBLE) / 4
7 / -2
-7 / 2
m2 + 1
m2 * 2
m2 / 3
m2 + m18
m2 * m2
m2n * m2n
1.1 + 2.2
0.1 + 0.2
CAST(0.1 AS DOUBLE) + CAST(0.2 AS DOUBLE)
f + 1
f * 2
ti + 1
si - 1
b + 1
b * 2
2147483647 + 1
CAST(2147483647 AS INT) + CAST(1 AS INT)
i * 1000000000
b / 3
MOD(b, 10)
GREATEST(1, 5, 3)
GREATEST(1, inul, 3)
GREATEST(d, 2)
GREATEST('a', 'b')
LEAST(1, 5, 3)
LEAST(d, dneg)
LEAST(1, inul)
d > 3
d = 3.75
i = 42.0
1e2
1.5e-3
d / iz
dneg / iz
CAST(iz AS DOUBLE) / iz
5 % 3 * 2
2 + 3 * 4
(2 + 3) * 4
-ineg * 2
UNIX_TIMESTAMP('1970-01-01 00:00:10')
-- Not here: MOD(<DOUBLE>, ...) and DATE_FORMAT(<DATE>, ...), which Flink rejects when it plans the job.
-- Issue 19: ROUND with a column for the digits, decimals that overflow, boundaries, NULL, zero and negatives.
ROUND(d, i)
ROUND(d, ineg)
ROUND(m2, ineg)
ROUND(d, inul)
ROUND(m2, iz)
ROUND(d, iz)
ROUND(dneg, iz)
ROUND(i, ineg)
ROUND(b, ineg)
ROUND(m18, i)
ROUND(dnul, 2)
ROUND(m2, 5)
ROUND(d, 400)
ROUND(1234.5678, -5)
ROUND(-0.5)
ROUND(CAST(-0.5 AS DOUBLE))
ROUND(CAST(2.5 AS DOUBLE))
ROUND(CAST(1e300 AS DOUBLE), 2)
ROUND(CAST('NaN' AS DOUBLE), 1)
ROUND(f, 1)
ROUND(ti, -1)
ROUND(si, -2)
TRUNCATE(d, i)
TRUNCATE(dnul, 1)
TRUNCATE(m2n, 0)
TRUNCATE(ineg, -1)
TRUNCATE(CAST(-0.99 AS DOUBLE), 1)
TRUNCATE(m18, 10)
m18 * m18
m18 + m18
m18 - 1
m18 * 1000
m18 / m2
m2 / m18
m2 / 0
m2 % 5
MOD(m2, 5)
MOD(d, 2)
MOD(dneg, 2)
MOD(i, 0)
MOD(ineg, -5)
i % ineg
b * b
b + b
b - -1
-b
9223372036854775807 + 1
-2147483648 - 1
ti * ti
si * 2
CAST(99999999999999999999999999999999999999 AS DECIMAL(38, 0)) + 1
CAST(9999999999999999999999999999.99 AS DECIMAL(30, 2)) * 1000000000
CAST(1 AS DECIMAL(38, 37)) + CAST(9 AS DECIMAL(38, 37))
CAST(m18 AS DECIMAL(38, 37)) * 10
m2 * m18
m2 + 0.001
m2n * 100
i / iz
i % iz
iz / ineg
ineg / 7
ineg % 7
d / 0
dneg / 0.0
CAST(0 AS DOUBLE) / 0
d % 2
ABS(b)
ABS(-9223372036854775807 - 1)
ABS(CAST(-2147483648 AS INT))
ABS(inul)
ABS(CAST(-128 AS TINYINT))
-si
-ti
SIGN(i)
SIGN(inul)
SIGN(CAST(-0.0 AS DOUBLE))
SIGN(m2)
POWER(0, 0)
POWER(d, inul)
POWER(-8, 0.5)
POWER(10, 400)
POWER(2, 0.5)
POWER(iz, -1)
SQRT(0)
SQRT(inul)
SQRT(m2)
LN(m2)
LOG10(0)
LOG10(-1)
LOG2(0)
LOG(1, 10)
LOG(0, 10)
LOG(inul)
LOG(d, inul)
EXP(inul)
EXP(1000)
EXP(-1000)
CEIL(dnul)
CEIL(CAST(-0.5 AS DOUBLE))
CEIL(f)
CEIL(m18)
FLOOR(m18)
FLOOR(f)
FLOOR(CAST(-0.5 AS DOUBLE))
CEIL(ineg)
FLOOR(b)
SIN(inul)
COS(0)
TAN(0)
COT(0)
ASIN(2)
ACOS(-2)
ATAN(inul)
ATAN2(0, 0)
ATAN2(0, -1)
SINH(0)
COSH(inul)
TANH(100)
DEGREES(inul)
RADIANS(d)
GREATEST(d, i, m2)
GREATEST(s, u)
GREATEST(dt, DATE '2024-03-01')
GREATEST(ts, ts6)
LEAST(e, s)
LEAST(ti, si)
LEAST(inul, inul)
GREATEST(m2, m2n)
i + d
i + m2
i * m2
ti + si
f * d
f + m2
b + d
1e308 * 10
-1e308 * 10
0.1 * 3
1 / 3.0
1.000 / 3
CAST(1 AS DECIMAL(38, 0)) / 3
CAST(2 AS DECIMAL(5, 2)) / CAST(3 AS DECIMAL(5, 2))
+i
- -i
-- Found by tests/sqlfuzz.py: a decimal literal's precision counts every digit written (0.001 is DECIMAL(4, 3)),
-- ROUND and TRUNCATE keep an exact type, FLOOR and CEIL of an integer stay integers.
m18 * 0.001
m18 + 0.001
m18 / 0.001
m18 * m2
CAST(m2 * 0.5 AS STRING)
CAST(TRUNCATE(m2n, 1) AS STRING)
CAST(TRUNCATE(i, -1) AS STRING)
TRUNCATE(m2, i)
TRUNCATE(m2, ineg)
CAST(TRUNCATE(m18, 3) AS STRING)
CAST(TRUNCATE(-0.05, 1) AS STRING)
CAST(ROUND(2.5) AS STRING)
CAST(ROUND(m18, 0) AS STRING)
CAST(ROUND(m2n, 1) AS STRING)
CAST(CEIL(b) AS INT)
CAST(FLOOR(ti) AS STRING)
CAST(CEIL(m2) AS STRING)
CAST(FLOOR(m2n) AS STRING)
TRUNCATE(d * 1.0E19, 1)
TRUNCATE(d * 1.0E20, 1)
TRUNCATE(-d * 1.0E20, -1)
TRUNCATE(CAST('NaN' AS DOUBLE), 1)
-LEAST(m2n * m2n, ABS(m2n))
CAST(m2n * m2n AS STRING)
CAST(ROUND(d, 2) AS BIGINT)
CAST(TRUNCATE(d, 1) AS INT)
