-- The nightshift warehouse's views, one text for both targets: applied
-- after postgres/schema.sql or redshift/schema.sql, in the same
-- transaction, by `nightshift warehouse init` (and every `warehouse up`),
-- and printed after it by `warehouse init --print`. Written in the SQL both
-- servers speak; every view is created or replaced, so applying it again
-- is harmless.
-- tests/unit/test_wh_schema.c runs it on PostgreSQL.

-- Every sale of every channel (without load_part).
CREATE OR REPLACE VIEW fact_sales AS
SELECT business_date, store_key, sku, txn_type, promo_id, currency, units, net_local, net_usd,
       discount_usd, lines, channel, source_date FROM sales_retail
UNION ALL
SELECT business_date, store_key, sku, txn_type, promo_id, currency, units, net_local, net_usd,
       discount_usd, lines, channel, source_date FROM sales_department
UNION ALL
SELECT business_date, store_key, sku, txn_type, promo_id, currency, units, net_local, net_usd,
       discount_usd, lines, channel, source_date FROM sales_discount
UNION ALL
SELECT business_date, store_key, sku, txn_type, promo_id, currency, units, net_local, net_usd,
       discount_usd, lines, channel, source_date FROM sales_online;

-- The four sales channels (the `channel` column of every sale).
CREATE OR REPLACE VIEW dim_channel AS
SELECT CAST('retail' AS VARCHAR(16)) AS channel, CAST('Own stores' AS VARCHAR(32)) AS name,
       CAST('sales_retail' AS VARCHAR(32)) AS fact_table,
       CAST('own stores, point-of-sale lines per business day' AS VARCHAR(128)) AS description
UNION ALL
SELECT CAST('department' AS VARCHAR(16)), CAST('Department stores' AS VARCHAR(32)),
       CAST('sales_department' AS VARCHAR(32)),
       CAST('partner department stores, EDI 852 per reporting period' AS VARCHAR(128))
UNION ALL
SELECT CAST('discount' AS VARCHAR(16)), CAST('Discount stores' AS VARCHAR(32)),
       CAST('sales_discount' AS VARCHAR(32)),
       CAST('partner discount chains, vendor portal per ISO week' AS VARCHAR(128))
UNION ALL
SELECT CAST('online' AS VARCHAR(16)), CAST('Online' AS VARCHAR(32)),
       CAST('sales_online' AS VARCHAR(32)),
       CAST('web shop orders, by UTC day of creation' AS VARCHAR(128));

-- Regions: every region a store or a weather station names, with its
-- country (of its stores) and how many own stores, partner stores and
-- stations it has.
CREATE OR REPLACE VIEW dim_region AS
SELECT r.region, s.country, COALESCE(s.own_stores, 0) AS own_stores,
       COALESCE(s.partner_stores, 0) AS partner_stores,
       COALESCE(w.weather_stations, 0) AS weather_stations
FROM (SELECT region FROM dim_store WHERE region IS NOT NULL
      UNION
      SELECT region FROM dim_weather_station WHERE region IS NOT NULL) AS r
LEFT JOIN (SELECT region, MIN(country) AS country,
                  COUNT(DISTINCT CASE WHEN COALESCE(partner, '') = '' THEN store_id END)
                      AS own_stores,
                  COUNT(DISTINCT CASE WHEN COALESCE(partner, '') <> ''
                                      THEN partner || '-' || store_id END) AS partner_stores
           FROM dim_store GROUP BY region) AS s ON s.region = r.region
LEFT JOIN (SELECT region, COUNT(DISTINCT station) AS weather_stations
           FROM dim_weather_station GROUP BY region) AS w ON w.region = r.region;

-- Campaigns: the ads' (platform, campaign) and the sessions' utm campaign
-- (campaign_name, with its source and medium), joined by name; a campaign
-- without ads (email) has no platform, one never landed on no source.
CREATE OR REPLACE VIEW dim_campaign AS
SELECT COALESCE(a.campaign, w.campaign) AS campaign, a.platform, w.campaign_source,
       w.campaign_medium, a.first_day, a.last_day
FROM (SELECT platform, campaign, MIN(day) AS first_day, MAX(day) AS last_day
      FROM ads_daily GROUP BY platform, campaign) AS a
FULL OUTER JOIN (SELECT campaign_name AS campaign, MIN(campaign_source) AS campaign_source,
                        MIN(campaign_medium) AS campaign_medium
                 FROM web_sessions WHERE campaign_name IS NOT NULL
                 GROUP BY campaign_name) AS w ON w.campaign = a.campaign;
