-- nightshift load: s3://acme-wh/retail_pos/dt=2026-11-24/retail_pos-20261124-1a2b3c/manifest (job retail_pos-20261124-1a2b3c) into sales_retail
CREATE TEMP TABLE ns_stage (LIKE sales_retail);
COPY ns_stage (business_date, store_key, sku, txn_type, promo_id, currency, units, net_local, net_usd, discount_usd, lines, channel, source_date)
  FROM 's3://acme-wh/retail_pos/dt=2026-11-24/retail_pos-20261124-1a2b3c/manifest'
  IAM_ROLE 'arn:aws:iam::123456789012:role/nightshift-load'
  MANIFEST ZSTD DELIMITER '|' ESCAPE NULL AS '\\N'
  DATEFORMAT 'YYYY-MM-DD' TIMEFORMAT 'auto'
  COMPUPDATE OFF STATUPDATE OFF;
BEGIN;
DELETE FROM ns_stage USING sales_retail o
  WHERE o.store_key = ns_stage.store_key AND o.sku = ns_stage.sku AND o.source_date > ns_stage.source_date;
DELETE FROM sales_retail USING (SELECT DISTINCT store_key, sku FROM ns_stage) k
  WHERE sales_retail.store_key = k.store_key AND sales_retail.sku = k.sku;
INSERT INTO sales_retail (business_date, store_key, sku, txn_type, promo_id, currency, units, net_local, net_usd, discount_usd, lines, channel, source_date)
  SELECT business_date, store_key, sku, txn_type, promo_id, currency, units, net_local, net_usd, discount_usd, lines, channel, source_date FROM ns_stage;
INSERT INTO nightshift.loads (table_name, manifest, checksum, job_id, job_name, run_date, state, files, rows, started, finished)
  SELECT 'sales_retail', 's3://acme-wh/retail_pos/dt=2026-11-24/retail_pos-20261124-1a2b3c/manifest', '7ec22bb1ce68843d8b51e4b82833fbb6', 'retail_pos-20261124-1a2b3c', 'retail_pos', '2026-11-24', 'published', 2, COUNT(*), GETDATE(), GETDATE() FROM ns_stage;
END;
DROP TABLE ns_stage;
