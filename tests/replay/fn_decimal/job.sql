-- DECIMAL arithmetic, rounding on CAST, SUM and AVG keep DECIMAL.

CREATE TABLE results (
  id INT, plus DECIMAL(12, 3), times DECIMAL(20, 3), scaled DECIMAL(10, 1)
) WITH ('connector' = 'blackhole');

CREATE TABLE totals (
  b BOOLEAN, total DECIMAL(20, 3), average DECIMAL(20, 6)
) WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO results SELECT id, amt + 1.5, amt * k, CAST(amt AS DECIMAL(10, 1)) FROM samples WHERE amt IS NOT NULL;
  INSERT INTO totals SELECT b, SUM(amt), AVG(amt) FROM samples GROUP BY b;
END;
