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
