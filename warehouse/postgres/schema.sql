-- The nightshift warehouse, PostgreSQL 15 (also Citus): the star schema of
-- docs/WAREHOUSE.md. Applied by `nightshift warehouse init` (and by every
-- `warehouse up`); idempotent: it only creates what is missing and replaces
-- views, so running it again never loses data.
--
-- Loaded tables: one per job output (output.table of jobs/*.yaml), columns
-- exactly the load files' columns in order (a job's non-hidden transform
-- columns, or its reduce plugin's output columns), types from the job:
-- string TEXT, int BIGINT, decimal(p,s) NUMERIC(p,s), date DATE, timestamp
-- TIMESTAMP (UTC), bool BOOLEAN. tests/unit/test_wh_schema.c checks every
-- job against this file on a real server.
--
-- Every loaded table is a parent partitioned BY LIST (load_part), its last
-- column, with no partition of its own: `nightshift load` COPYs each load
-- stream into a new table and attaches it as a partition, all streams of a
-- load in one transaction, so a reader sees a whole load or none of it and
-- every row is written once (no staging table, no INSERT ... SELECT).
-- Partitioned tables cannot have a primary key without the partition key,
-- so loaded tables have none.

-- ---------------------------------------------------------------- facts

-- Sales, one table per channel (view fact_sales, views.sql), all four with
-- sales_retail's columns: the other three are made LIKE it, with all it
-- has (NOT NULL, defaults, ...) but its index (each has its own, below).
CREATE TABLE IF NOT EXISTS sales_retail (
    business_date DATE,
    store_key     TEXT,
    sku           TEXT,
    txn_type      TEXT,
    promo_id      TEXT,
    currency      TEXT,
    units         BIGINT,
    net_local     NUMERIC(14,2),
    net_usd       NUMERIC(14,2),
    discount_usd  NUMERIC(14,2),
    lines         BIGINT,
    channel       TEXT,
    source_date   DATE,
    load_part     BIGINT NOT NULL
) PARTITION BY LIST (load_part);

CREATE TABLE IF NOT EXISTS sales_department (LIKE sales_retail INCLUDING ALL EXCLUDING INDEXES)
    PARTITION BY LIST (load_part);
CREATE TABLE IF NOT EXISTS sales_discount (LIKE sales_retail INCLUDING ALL EXCLUDING INDEXES)
    PARTITION BY LIST (load_part);
CREATE TABLE IF NOT EXISTS sales_online (LIKE sales_retail INCLUDING ALL EXCLUDING INDEXES)
    PARTITION BY LIST (load_part);

-- Partner stores' stock on hand (EDI QA, portal OH Qty).
CREATE TABLE IF NOT EXISTS inventory_partner (
    as_of_date    DATE,
    store_key     TEXT,
    sku           TEXT,
    on_hand       BIGINT,
    channel       TEXT,
    source_date   DATE,
    load_part     BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- One row per visitor session (plugin sessionize, jobs/clickstream_sessionize.c).
CREATE TABLE IF NOT EXISTS web_sessions (
    session_id      TEXT,
    anonymous_id    TEXT,
    user_id         TEXT,
    session_date    DATE,
    session_start   TIMESTAMP,
    session_end     TIMESTAMP,
    events          BIGINT,
    page_views      BIGINT,
    landing_page    TEXT,
    campaign_source TEXT,
    campaign_medium TEXT,
    campaign_name   TEXT,
    converted       BOOLEAN,
    order_id        TEXT,
    load_part       BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- Search and social ads, per platform, day, campaign and ad.
CREATE TABLE IF NOT EXISTS ads_daily (
    platform      TEXT,
    day           DATE,
    campaign      TEXT,
    ad_id         TEXT,
    currency      TEXT,
    impressions   BIGINT,
    clicks        BIGINT,
    cost          NUMERIC(14,2),
    conversions   NUMERIC(14,1),
    report_date   DATE,
    load_part     BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- GHCN daily values per station and day.
CREATE TABLE IF NOT EXISTS weather_daily (
    station       TEXT,
    day           DATE,
    region        TEXT,
    tmax_tenths   BIGINT,
    tmin_tenths   BIGINT,
    prcp_tenths   BIGINT,
    tmax_c        NUMERIC(6,1),
    tmin_c        NUMERIC(6,1),
    prcp_mm       NUMERIC(8,1),
    snow_mm       BIGINT,
    load_part     BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- BLS LAUS unemployment rate per state and month.
CREATE TABLE IF NOT EXISTS unemployment_monthly (
    state_fips    TEXT,
    series_id     TEXT,
    year          BIGINT,
    period        TEXT,
    rate          NUMERIC(5,1),
    footnote      TEXT,
    load_part     BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- ----------------------------------------------------- loaded dimensions

-- GHCN stations (fixed-width stations.txt, kept as text).
CREATE TABLE IF NOT EXISTS dim_weather_station (
    station       TEXT,
    latitude      TEXT,
    longitude     TEXT,
    elevation_m   TEXT,
    state         TEXT,
    name          TEXT,
    wmo_id        TEXT,
    region        TEXT,
    load_part     BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- Own and partner stores with their attributes (partner NULL or empty for
-- own stores; a sale's store_key is store_id, or partner-store_id).
CREATE TABLE IF NOT EXISTS dim_store (
    store_id              TEXT,
    partner               TEXT,
    name                  TEXT,
    address               TEXT,
    city                  TEXT,
    state                 TEXT,
    country               TEXT,
    region                TEXT,
    lat                   NUMERIC(9,4),
    lon                   NUMERIC(9,4),
    opened                DATE,
    square_feet           BIGINT,
    mall_type             TEXT,
    manager_tenure_months BIGINT,
    staff_tenure_months   BIGINT,
    endcaps               BIGINT,
    circular_program      TEXT,
    in_store_displays     BIGINT,
    currency              TEXT,
    timezone              TEXT,
    load_part             BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- Products with their style and clothing line.
CREATE TABLE IF NOT EXISTS dim_product (
    sku            TEXT,
    upc            TEXT,
    style          TEXT,
    style_name     TEXT,
    description    TEXT,
    clothing_line  TEXT,
    category       TEXT,
    colour         TEXT,
    size           TEXT,
    list_price_usd NUMERIC(12,2),
    list_price_cad NUMERIC(12,2),
    list_price_gbp NUMERIC(12,2),
    list_price_eur NUMERIC(12,2),
    load_part      BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- Promotions (own stores; online_code is the online discount code).
CREATE TABLE IF NOT EXISTS dim_promotion (
    promotion_id    TEXT,
    name            TEXT,
    type            TEXT,
    start_date      DATE,
    end_date        DATE,
    categories      TEXT,
    stores          TEXT,
    discount_pct    NUMERIC(5,2),
    discount_amount NUMERIC(12,2),
    min_unit_price  NUMERIC(12,2),
    online_code     TEXT,
    load_part       BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- USD per unit of a currency, per day.
CREATE TABLE IF NOT EXISTS fx_rate (
    currency      TEXT,
    rate_date     DATE,
    usd_per_unit  NUMERIC(18,6),
    load_part     BIGINT NOT NULL
) PARTITION BY LIST (load_part);

-- Sales are read by date ranges and their load files are sorted by
-- business_date (online: by order, which follows the date): a BRIN index is
-- a few pages per partition and costs the loader's ATTACH next to nothing.
CREATE INDEX IF NOT EXISTS sales_retail_business_date ON sales_retail USING brin (business_date);
CREATE INDEX IF NOT EXISTS sales_department_business_date ON sales_department USING brin (business_date);
CREATE INDEX IF NOT EXISTS sales_discount_business_date ON sales_discount USING brin (business_date);
CREATE INDEX IF NOT EXISTS sales_online_business_date ON sales_online USING brin (business_date);

-- ---------------------------------------------------- derived dimensions

-- The calendar, 2020-01-01..2035-12-31, built here (not loaded). Weeks are
-- ISO weeks (Monday..Sunday; week_end is the Sunday a discount partner's
-- week ends on); day_of_week is ISO (1 Monday .. 7 Sunday). Retail days:
-- Thanksgiving is the fourth Thursday of November, Black Friday the day
-- after, Cyber Monday the Monday after that.
CREATE TABLE IF NOT EXISTS dim_date (
    day             DATE PRIMARY KEY,
    year            INTEGER NOT NULL,
    quarter         INTEGER NOT NULL,
    month           INTEGER NOT NULL,
    month_name      VARCHAR(9) NOT NULL,
    day_of_month    INTEGER NOT NULL,
    day_of_year     INTEGER NOT NULL,
    iso_year        INTEGER NOT NULL,
    iso_week        INTEGER NOT NULL,
    week_start      DATE NOT NULL,
    week_end        DATE NOT NULL,
    day_of_week     INTEGER NOT NULL,
    day_name        VARCHAR(9) NOT NULL,
    is_weekend      BOOLEAN NOT NULL,
    is_black_friday BOOLEAN NOT NULL,
    is_cyber_monday BOOLEAN NOT NULL,
    is_christmas    BOOLEAN NOT NULL,
    holiday         VARCHAR(32)
);

INSERT INTO dim_date (day, year, quarter, month, month_name, day_of_month, day_of_year,
                      iso_year, iso_week, week_start, week_end, day_of_week, day_name,
                      is_weekend, is_black_friday, is_cyber_monday, is_christmas, holiday)
SELECT day,
       CAST(EXTRACT(YEAR FROM day) AS INTEGER),
       CAST(EXTRACT(QUARTER FROM day) AS INTEGER),
       m,
       CASE m WHEN 1 THEN 'January' WHEN 2 THEN 'February' WHEN 3 THEN 'March'
              WHEN 4 THEN 'April' WHEN 5 THEN 'May' WHEN 6 THEN 'June' WHEN 7 THEN 'July'
              WHEN 8 THEN 'August' WHEN 9 THEN 'September' WHEN 10 THEN 'October'
              WHEN 11 THEN 'November' ELSE 'December' END,
       dom,
       CAST(EXTRACT(DOY FROM day) AS INTEGER),
       CAST(EXTRACT(ISOYEAR FROM day) AS INTEGER),
       CAST(EXTRACT(WEEK FROM day) AS INTEGER),
       day - (dow - 1),
       day + (7 - dow),
       dow,
       CASE dow WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday'
                WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' WHEN 6 THEN 'Saturday'
                ELSE 'Sunday' END,
       dow >= 6,
       m = 11 AND dow = 5 AND dom BETWEEN 23 AND 29,
       dow = 1 AND ((m = 11 AND dom >= 26) OR (m = 12 AND dom <= 2)),
       m = 12 AND dom = 25,
       CASE WHEN m = 1 AND dom = 1 THEN 'New Year''s Day'
            WHEN m = 11 AND dow = 4 AND dom BETWEEN 22 AND 28 THEN 'Thanksgiving'
            WHEN m = 11 AND dow = 5 AND dom BETWEEN 23 AND 29 THEN 'Black Friday'
            WHEN dow = 1 AND ((m = 11 AND dom >= 26) OR (m = 12 AND dom <= 2)) THEN 'Cyber Monday'
            WHEN m = 12 AND dom = 24 THEN 'Christmas Eve'
            WHEN m = 12 AND dom = 25 THEN 'Christmas Day'
            WHEN m = 12 AND dom = 26 THEN 'Boxing Day'
            WHEN m = 12 AND dom = 31 THEN 'New Year''s Eve' END
FROM (SELECT CAST(s AS DATE) AS day,
             CAST(EXTRACT(ISODOW FROM s) AS INTEGER) AS dow,
             CAST(EXTRACT(MONTH FROM s) AS INTEGER) AS m,
             CAST(EXTRACT(DAY FROM s) AS INTEGER) AS dom
      FROM generate_series(DATE '2020-01-01', DATE '2035-12-31', INTERVAL '1 day') AS s) AS g
ON CONFLICT (day) DO NOTHING;

-- The views (fact_sales, dim_channel, dim_region, dim_campaign) are in
-- views.sql, the same for Redshift, applied after this file.
