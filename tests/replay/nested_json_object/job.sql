-- Shipment events re-emitted as JSON text for a downstream topic: JSON_OBJECT over text, integers and
-- booleans, NULL values kept (NULL ON NULL, the default), text that needs escaping.

CREATE TABLE shipments (shipment_id BIGINT, carrier STRING, status STRING, parcels INT, fragile BOOLEAN, note STRING)
WITH ('connector' = 'kafka', 'topic' = 'shipments', 'format' = 'json');

CREATE TABLE shipment_events (shipment_id BIGINT, payload STRING, empty_object STRING)
WITH ('connector' = 'blackhole');

INSERT INTO shipment_events
SELECT shipment_id,
       JSON_OBJECT(KEY 'id' VALUE shipment_id, KEY 'carrier' VALUE carrier, 'status' VALUE UPPER(status),
                   'parcels' VALUE parcels, 'fragile' VALUE fragile, 'note' VALUE note NULL ON NULL),
       JSON_OBJECT()
FROM shipments;
