-- Conditionals, comparisons and NULL semantics (Flink docs: "Comparison", "Logical", "Conditional").
CASE WHEN i > 40 THEN 'big' ELSE 'small' END
CASE WHEN inul > 40 THEN 'big' ELSE 'small' END
CASE WHEN inul > 40 THEN 'big' END
CASE i WHEN 42 THEN 'x' WHEN 43 THEN 'y' ELSE 'z' END
CASE inul WHEN 42 THEN 'x' ELSE 'z' END
CASE WHEN bo THEN 1 ELSE 2 END
CASE WHEN bnul THEN 1 ELSE 2 END
CASE WHEN i > 1 THEN 1 WHEN i > 2 THEN 2 END
CASE WHEN i > 100 THEN 1.5 ELSE 2 END
NULLIF(i, 42)
NULLIF(i, 1)
NULLIF(s, e)
NULLIF(e, e)
COALESCE(inul, 3)
COALESCE(inul, inul)
COALESCE(sn, e, 'x')
COALESCE(dnul, i)
IF(i > 1, 'yes', 'no')
IF(inul > 1, 'yes', 'no')
IF(bo, i, ineg)
IFNULL(inul, 7)
IFNULL(i, 7)
IFNULL(sn, 'x')
i IS NULL
inul IS NULL
inul IS NOT NULL
i IS DISTINCT FROM 42
i IS DISTINCT FROM inul
inul IS DISTINCT FROM inul
inul IS NOT DISTINCT FROM inul
i IS NOT DISTINCT FROM 42
i = inul
inul = inul
i <> 41
s = 'Hello World'
s = 'hello world'
s > 'Hello'
'a' < 'B'
'B' < 'a'
e < 'a'
i BETWEEN 40 AND 50
i BETWEEN 50 AND 40
i BETWEEN SYMMETRIC 50 AND 40
i BETWEEN ASYMMETRIC 50 AND 40
i NOT BETWEEN 40 AND 50
inul BETWEEN 1 AND 2
i IN (1, 42, 3)
i IN (1, 2)
i IN (1, inul)
i NOT IN (1, inul)
inul IN (1, 2)
s IN ('Hello World', 'x')
bo AND bnul
bo OR bnul
NOT bnul
NOT bo
bnul AND FALSE
bnul OR TRUE
bo IS TRUE
bnul IS TRUE
bnul IS NOT TRUE
bnul IS FALSE
bnul IS NOT FALSE
bnul IS UNKNOWN
bo IS NOT UNKNOWN
bo = TRUE
bo <> bnul
d >= 3.75
dnul < 1
ts > TIMESTAMP '2024-02-29 13:45:07'
dt = DATE '2024-02-29'
dt < DATE '2024-03-01'
ts6 > TIMESTAMP '2024-12-31 23:59:59.999'
ts6 = TIMESTAMP '2024-12-31 23:59:59.999999'
m2 = 12.35
m2 > 12.3
m2n < 0
EXISTS (SELECT 1)
TYPEOF(i)
TYPEOF(d)
TYPEOF(s)
TYPEOF(m2)
TYPEOF(ts)
i = 42 AND s LIKE 'H%'
(i > 1) = (d > 1)
-- Issue 19: NULLs, empty strings, types mixed in CASE and COALESCE.
CASE WHEN bnul IS NULL THEN 'n' ELSE 'v' END
CASE sn WHEN e THEN 1 ELSE 0 END
CASE e WHEN '' THEN 'empty' ELSE 'x' END
CASE WHEN iz = 0 THEN NULL ELSE 1 END
CASE WHEN i > 0 THEN d ELSE i END
CASE WHEN i > 0 THEN m2 ELSE 1 END
CASE WHEN i > 0 THEN 'a' ELSE 'bcd' END
CASE WHEN i < 0 THEN 'a' ELSE 'bcd' END
CASE i WHEN inul THEN 'null' ELSE 'other' END
COALESCE(sn, sn)
COALESCE(e, 'x')
COALESCE(inul, d)
COALESCE(inul, m2)
COALESCE(dnul, dnul, 0)
NULLIF(inul, 1)
NULLIF(sn, 'a')
NULLIF(d, 3.75)
NULLIF(m2, 12.35)
IF(bnul, 1, 2)
IF(i = 42, sn, 'x')
IF(iz = 0, d, i)
IFNULL(dnul, i)
IFNULL(sn, e)
IFNULL(e, 'x')
e IS NULL
sn IS NOT NULL
e = ''
sn = ''
e <> sn
s IN (sn, 'x')
s NOT IN (sn, 'x')
sn IN ('a', 'b')
i IN (42)
i NOT IN (42)
d IN (3.75, 1)
dt IN (DATE '2024-02-29')
bnul IS NOT UNKNOWN
NOT (bnul IS NULL)
bnul AND TRUE
bnul OR FALSE
bnul = bnul
bnul IS DISTINCT FROM bnul
bo IS DISTINCT FROM bnul
s IS DISTINCT FROM sn
sn IS NOT DISTINCT FROM sn
d IS DISTINCT FROM 3.75
inul BETWEEN inul AND 5
i BETWEEN inul AND 50
i BETWEEN 42 AND 42
s BETWEEN 'A' AND 'Z'
e BETWEEN '' AND 'a'
u > s
'é' > 'z'
'Z' < 'a'
'' < ' '
'a' = 'a '
TRUE > FALSE
m2 = 12.350
m2n > -0.06
d = 3.7500
i = 42.0000001
f = 1.1
CAST(f AS DOUBLE) = 1.1
ts = ts6
ts0 < ts
dt > DATE '2024-02-28'
-- Found by tests/sqlfuzz.py: the common type of a conditional's values (IF takes its THEN value's type
-- unless both are numbers or text).
CAST(CASE WHEN bo THEN ts0 ELSE ts END AS STRING)
CAST(CASE WHEN NOT bo THEN ts0 ELSE ts END AS STRING)
CAST(COALESCE(ts0, ts6) AS STRING)
CAST(IF(bo, ts0, ts6) AS STRING)
CAST(IF(NOT bo, ts0, ts6) AS STRING)
IF(NOT bo, ts0, ts6)
CAST(IF(NOT bo, ts, ts6) AS STRING)
CAST(GREATEST(ts0, ts) AS STRING)
CAST(CASE WHEN bo THEN 0.001 ELSE CAST(m18 AS DECIMAL(38, 0)) END AS STRING)
CAST(IF(bo, 0.001, CAST(m18 AS DECIMAL(38, 0))) AS STRING)
CEIL(CASE WHEN s <> '' THEN 0.001 ELSE ROUND(m18, 0) END)
CAST(COALESCE(m2, m18) AS STRING)
CAST(CASE WHEN bo THEN m2 ELSE i END AS STRING)
CAST(IF(bo, dt, CAST(ts AS DATE)) AS STRING)
FLOOR(TIMESTAMPDIFF(SECOND, FLOOR(ts6 TO SECOND), IF(bnul, ts0, ts)))
TIMESTAMPADD(YEAR, 0, IF(bo, dt, dt + INTERVAL '66' DAY))
GREATEST(ROUND(m2n, 0), CAST(NULL AS DECIMAL(10, 2)))
LEAST(i, CAST(NULL AS DECIMAL(12, 3)))
GREATEST(m2n, CAST(inul AS DECIMAL(12, 3)))
GREATEST(m2n, CAST(NULL AS DECIMAL(10, 2)))
GREATEST(m2, m2n, CAST(1 AS DECIMAL(12, 3)))
-- Flink evaluates every argument of COALESCE/IFNULL, GREATEST and LEAST: one that fails fails the row.
IFNULL(i, CAST(e AS INT))
COALESCE(ts, CAST(pad AS TIMESTAMP(3)))
GREATEST(inul, CAST(e AS INT))
LEAST(ts, CAST(pad AS TIMESTAMP(3)))
NULLIF(i, CAST(e AS INT))
CASE WHEN i > 0 THEN 1 ELSE CAST(e AS INT) END
IF(i > 0, 1, CAST(e AS INT))
i > 0 OR CAST(e AS BOOLEAN)
COALESCE(i, CAST(d AS INT))
NULLIF(f, 1.0E0) + m2
NULLIF(i, 2) / 4
