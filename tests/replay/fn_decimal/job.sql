-- DECIMAL arithmetic, rounding on CAST, SUM and AVG keep DECIMAL.

CREATE TABLE out (
  id INT, plus DECIMAL(12, 3), times DECIMAL(20, 3), scaled DECIMAL(10, 1)
) WITH ('connector' = 'blackhole');

CREATE TABLE totals (
  b BOOLEAN, total DECIMAL(20, 3), average DECIMAL(20, 6)
) WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO out SELECT id, dec + 1.5, dec * k, CAST(dec AS DECIMAL(10, 1)) FROM samples WHERE dec IS NOT NULL;
  INSERT INTO totals SELECT b, SUM(dec), AVG(dec) FROM samples GROUP BY b;
END;
