-- Confluent's quickstart streams, users (a compacted topic of profiles read with upsert-kafka: a record per
-- change, a tombstone when a user leaves, one for a user never seen, an update that changes nothing) and
-- pageviews (an append stream). A regular join sees each user as the profile stands: a region change moves
-- the user's past views, a deleted user's views leave the join. Per region: views and distinct viewers; per
-- gender: the users there are.
CREATE TABLE users (
  registertime BIGINT,
  userid       STRING,
  regionid     STRING,
  gender       STRING,
  PRIMARY KEY (userid) NOT ENFORCED
) WITH ('connector' = 'upsert-kafka', 'topic' = 'users', 'key.format' = 'json', 'value.format' = 'json');

CREATE TABLE pageviews (
  viewtime BIGINT,
  userid   STRING,
  pageid   STRING
) WITH ('connector' = 'kafka', 'topic' = 'pageviews', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');

CREATE TABLE pageviews_per_region (regionid STRING, view_count BIGINT, viewers BIGINT, last_view BIGINT,
                                   PRIMARY KEY (regionid) NOT ENFORCED)
WITH ('connector' = 'blackhole');

CREATE TABLE users_per_gender (gender STRING, users BIGINT, first_registered BIGINT,
                               PRIMARY KEY (gender) NOT ENFORCED)
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO pageviews_per_region
SELECT u.regionid, COUNT(*), COUNT(DISTINCT p.userid), MAX(p.viewtime)
FROM pageviews AS p JOIN users AS u ON p.userid = u.userid
GROUP BY u.regionid;
INSERT INTO users_per_gender
SELECT gender, COUNT(*), MIN(registertime) FROM users GROUP BY gender;
END;
