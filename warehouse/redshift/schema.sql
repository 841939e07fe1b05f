-- The nightshift warehouse, Amazon Redshift variant of postgres/schema.sql:
-- the same tables and columns (same names, same order), for
-- `nightshift warehouse init --target redshift` (or --print to review it);
-- the views, views.sql, are the same for both and applied after this file.
-- Untested against a real cluster here (no Redshift on this machine); its
-- shape is checked by tests/unit/test_wh_schema.c, and its dim_date fill and
-- views are the same statements run against PostgreSQL by that test.
--
-- Differences from PostgreSQL:
--   - no load_part column and no partitioning: Redshift loads with COPY into
--     a staging table and merges in one transaction (docs/WAREHOUSE.md);
--   - distribution: DISTKEY is the job's output.distribution_key when that
--     is one load column (sales: store_key; sales_discount: business_date,
--     its job's week; sales_online's order_id is not a load column, so
--     EVEN); small dimensions are DISTSTYLE ALL; the other facts EVEN or by
--     the column they are grouped on;
--   - COMPOUND SORTKEY is the job's output.sort_key (all of it, or the
--     part that every job of the table shares; web_sessions' job sorts by
--     event columns, so its rows are sorted by session_date);
--   - ENCODE: AZ64 for numbers, dates and timestamps, ZSTD for text, RAW for
--     the leading sort-key column (compressing it makes range-restricted
--     scans read more blocks) and for BOOLEAN;
--   - no TEXT: VARCHAR(256) (lengths are bytes), longer for descriptions,
--     addresses, URLs and lists;
--   - dim_date is filled without generate_series (leader-node only in
--     Redshift, not usable in INSERT): a numbers CTE of 10^4 rows from a
--     cross join of digits, the ISO week from the week's Thursday.

-- Sales, one table per channel, identical columns (view fact_sales,
-- views.sql). Written out four times, not LIKE sales_retail as in
-- postgres/schema.sql: a Redshift LIKE table inherits the parent's
-- DISTSTYLE, DISTKEY and SORTKEY and cannot set its own (CREATE TABLE, LIKE
-- parent_table), and each channel's keys follow its own job: retail KEY
-- store_key; department the same, sorted by source_date too; discount KEY
-- business_date (its week); online EVEN (its distribution key, order_id, is
-- not a load column). tests/unit/test_wh_schema.c checks that the four have
-- the same columns, types and ENCODE.
CREATE TABLE IF NOT EXISTS sales_retail (
    business_date DATE          ENCODE RAW,
    store_key     VARCHAR(256)  ENCODE ZSTD,
    sku           VARCHAR(256)  ENCODE ZSTD,
    txn_type      VARCHAR(256)  ENCODE ZSTD,
    promo_id      VARCHAR(256)  ENCODE ZSTD,
    currency      VARCHAR(256)  ENCODE ZSTD,
    units         BIGINT        ENCODE AZ64,
    net_local     NUMERIC(14,2) ENCODE AZ64,
    net_usd       NUMERIC(14,2) ENCODE AZ64,
    discount_usd  NUMERIC(14,2) ENCODE AZ64,
    lines         BIGINT        ENCODE AZ64,
    channel       VARCHAR(256)  ENCODE ZSTD,
    source_date   DATE          ENCODE AZ64
)
DISTSTYLE KEY DISTKEY (store_key)
COMPOUND SORTKEY (business_date, store_key, sku, txn_type, promo_id, currency);

CREATE TABLE IF NOT EXISTS sales_department (
    business_date DATE          ENCODE RAW,
    store_key     VARCHAR(256)  ENCODE ZSTD,
    sku           VARCHAR(256)  ENCODE ZSTD,
    txn_type      VARCHAR(256)  ENCODE ZSTD,
    promo_id      VARCHAR(256)  ENCODE ZSTD,
    currency      VARCHAR(256)  ENCODE ZSTD,
    units         BIGINT        ENCODE AZ64,
    net_local     NUMERIC(14,2) ENCODE AZ64,
    net_usd       NUMERIC(14,2) ENCODE AZ64,
    discount_usd  NUMERIC(14,2) ENCODE AZ64,
    lines         BIGINT        ENCODE AZ64,
    channel       VARCHAR(256)  ENCODE ZSTD,
    source_date   DATE          ENCODE AZ64
)
DISTSTYLE KEY DISTKEY (store_key)
COMPOUND SORTKEY (business_date, store_key, sku, txn_type, promo_id, currency, source_date);

CREATE TABLE IF NOT EXISTS sales_discount (
    business_date DATE          ENCODE RAW,
    store_key     VARCHAR(256)  ENCODE ZSTD,
    sku           VARCHAR(256)  ENCODE ZSTD,
    txn_type      VARCHAR(256)  ENCODE ZSTD,
    promo_id      VARCHAR(256)  ENCODE ZSTD,
    currency      VARCHAR(256)  ENCODE ZSTD,
    units         BIGINT        ENCODE AZ64,
    net_local     NUMERIC(14,2) ENCODE AZ64,
    net_usd       NUMERIC(14,2) ENCODE AZ64,
    discount_usd  NUMERIC(14,2) ENCODE AZ64,
    lines         BIGINT        ENCODE AZ64,
    channel       VARCHAR(256)  ENCODE ZSTD,
    source_date   DATE          ENCODE AZ64
)
DISTSTYLE KEY DISTKEY (business_date)
COMPOUND SORTKEY (business_date, store_key, sku, txn_type, promo_id, currency, source_date);

CREATE TABLE IF NOT EXISTS sales_online (
    business_date DATE          ENCODE RAW,
    store_key     VARCHAR(256)  ENCODE ZSTD,
    sku           VARCHAR(256)  ENCODE ZSTD,
    txn_type      VARCHAR(256)  ENCODE ZSTD,
    promo_id      VARCHAR(256)  ENCODE ZSTD,
    currency      VARCHAR(256)  ENCODE ZSTD,
    units         BIGINT        ENCODE AZ64,
    net_local     NUMERIC(14,2) ENCODE AZ64,
    net_usd       NUMERIC(14,2) ENCODE AZ64,
    discount_usd  NUMERIC(14,2) ENCODE AZ64,
    lines         BIGINT        ENCODE AZ64,
    channel       VARCHAR(256)  ENCODE ZSTD,
    source_date   DATE          ENCODE AZ64
)
DISTSTYLE EVEN
COMPOUND SORTKEY (business_date, store_key, sku, txn_type, promo_id, currency);

-- Partner stores' stock on hand (EDI QA, portal OH Qty).
CREATE TABLE IF NOT EXISTS inventory_partner (
    as_of_date  DATE         ENCODE RAW,
    store_key   VARCHAR(256) ENCODE ZSTD,
    sku         VARCHAR(256) ENCODE ZSTD,
    on_hand     BIGINT       ENCODE AZ64,
    channel     VARCHAR(256) ENCODE ZSTD,
    source_date DATE         ENCODE AZ64
)
DISTSTYLE KEY DISTKEY (store_key)
COMPOUND SORTKEY (as_of_date, store_key, sku);

-- One row per visitor session (plugin sessionize, jobs/clickstream_sessionize.c).
CREATE TABLE IF NOT EXISTS web_sessions (
    session_id      VARCHAR(256)  ENCODE ZSTD,
    anonymous_id    VARCHAR(256)  ENCODE ZSTD,
    user_id         VARCHAR(256)  ENCODE ZSTD,
    session_date    DATE          ENCODE RAW,
    session_start   TIMESTAMP     ENCODE AZ64,
    session_end     TIMESTAMP     ENCODE AZ64,
    events          BIGINT        ENCODE AZ64,
    page_views      BIGINT        ENCODE AZ64,
    landing_page    VARCHAR(2048) ENCODE ZSTD,
    campaign_source VARCHAR(256)  ENCODE ZSTD,
    campaign_medium VARCHAR(256)  ENCODE ZSTD,
    campaign_name   VARCHAR(256)  ENCODE ZSTD,
    converted       BOOLEAN       ENCODE RAW,
    order_id        VARCHAR(256)  ENCODE ZSTD
)
DISTSTYLE KEY DISTKEY (anonymous_id)
COMPOUND SORTKEY (session_date, anonymous_id);

-- Search and social ads, per platform, day, campaign and ad.
CREATE TABLE IF NOT EXISTS ads_daily (
    platform    VARCHAR(256)  ENCODE RAW,
    day         DATE          ENCODE AZ64,
    campaign    VARCHAR(256)  ENCODE ZSTD,
    ad_id       VARCHAR(256)  ENCODE ZSTD,
    currency    VARCHAR(256)  ENCODE ZSTD,
    impressions BIGINT        ENCODE AZ64,
    clicks      BIGINT        ENCODE AZ64,
    cost        NUMERIC(14,2) ENCODE AZ64,
    conversions NUMERIC(14,1) ENCODE AZ64,
    report_date DATE          ENCODE AZ64
)
DISTSTYLE EVEN
COMPOUND SORTKEY (platform, ad_id, day, report_date);

-- GHCN daily values per station and day.
CREATE TABLE IF NOT EXISTS weather_daily (
    station     VARCHAR(256) ENCODE RAW,
    day         DATE         ENCODE AZ64,
    region      VARCHAR(256) ENCODE ZSTD,
    tmax_tenths BIGINT       ENCODE AZ64,
    tmin_tenths BIGINT       ENCODE AZ64,
    prcp_tenths BIGINT       ENCODE AZ64,
    tmax_c      NUMERIC(6,1) ENCODE AZ64,
    tmin_c      NUMERIC(6,1) ENCODE AZ64,
    prcp_mm     NUMERIC(8,1) ENCODE AZ64,
    snow_mm     BIGINT       ENCODE AZ64
)
DISTSTYLE EVEN
COMPOUND SORTKEY (station, day);

-- BLS LAUS unemployment rate per state and month.
CREATE TABLE IF NOT EXISTS unemployment_monthly (
    state_fips VARCHAR(256) ENCODE RAW,
    series_id  VARCHAR(256) ENCODE ZSTD,
    year       BIGINT       ENCODE AZ64,
    period     VARCHAR(256) ENCODE ZSTD,
    rate       NUMERIC(5,1) ENCODE AZ64,
    footnote   VARCHAR(256) ENCODE ZSTD
)
DISTSTYLE ALL
COMPOUND SORTKEY (state_fips, series_id, year, period);

-- GHCN stations (fixed-width stations.txt, kept as text).
CREATE TABLE IF NOT EXISTS dim_weather_station (
    station     VARCHAR(256) ENCODE RAW,
    latitude    VARCHAR(256) ENCODE ZSTD,
    longitude   VARCHAR(256) ENCODE ZSTD,
    elevation_m VARCHAR(256) ENCODE ZSTD,
    state       VARCHAR(256) ENCODE ZSTD,
    name        VARCHAR(256) ENCODE ZSTD,
    wmo_id      VARCHAR(256) ENCODE ZSTD,
    region      VARCHAR(256) ENCODE ZSTD
)
DISTSTYLE ALL
COMPOUND SORTKEY (station);

-- Own and partner stores with their attributes (partner NULL or empty for
-- own stores; a sale's store_key is store_id, or partner-store_id).
CREATE TABLE IF NOT EXISTS dim_store (
    store_id              VARCHAR(256) ENCODE ZSTD,
    partner               VARCHAR(256) ENCODE RAW,
    name                  VARCHAR(256) ENCODE ZSTD,
    address               VARCHAR(512) ENCODE ZSTD,
    city                  VARCHAR(256) ENCODE ZSTD,
    state                 VARCHAR(256) ENCODE ZSTD,
    country               VARCHAR(256) ENCODE ZSTD,
    region                VARCHAR(256) ENCODE ZSTD,
    lat                   NUMERIC(9,4) ENCODE AZ64,
    lon                   NUMERIC(9,4) ENCODE AZ64,
    opened                DATE         ENCODE AZ64,
    square_feet           BIGINT       ENCODE AZ64,
    mall_type             VARCHAR(256) ENCODE ZSTD,
    manager_tenure_months BIGINT       ENCODE AZ64,
    staff_tenure_months   BIGINT       ENCODE AZ64,
    endcaps               BIGINT       ENCODE AZ64,
    circular_program      VARCHAR(256) ENCODE ZSTD,
    in_store_displays     BIGINT       ENCODE AZ64,
    currency              VARCHAR(256) ENCODE ZSTD,
    timezone              VARCHAR(256) ENCODE ZSTD
)
DISTSTYLE ALL
COMPOUND SORTKEY (partner, store_id);

-- Products with their style and clothing line.
CREATE TABLE IF NOT EXISTS dim_product (
    sku            VARCHAR(256)  ENCODE RAW,
    upc            VARCHAR(256)  ENCODE ZSTD,
    style          VARCHAR(256)  ENCODE ZSTD,
    style_name     VARCHAR(256)  ENCODE ZSTD,
    description    VARCHAR(2048) ENCODE ZSTD,
    clothing_line  VARCHAR(256)  ENCODE ZSTD,
    category       VARCHAR(256)  ENCODE ZSTD,
    colour         VARCHAR(256)  ENCODE ZSTD,
    size           VARCHAR(256)  ENCODE ZSTD,
    list_price_usd NUMERIC(12,2) ENCODE AZ64,
    list_price_cad NUMERIC(12,2) ENCODE AZ64,
    list_price_gbp NUMERIC(12,2) ENCODE AZ64,
    list_price_eur NUMERIC(12,2) ENCODE AZ64
)
DISTSTYLE ALL
COMPOUND SORTKEY (sku);

-- Promotions (own stores; online_code is the online discount code).
CREATE TABLE IF NOT EXISTS dim_promotion (
    promotion_id    VARCHAR(256)  ENCODE RAW,
    name            VARCHAR(256)  ENCODE ZSTD,
    type            VARCHAR(256)  ENCODE ZSTD,
    start_date      DATE          ENCODE AZ64,
    end_date        DATE          ENCODE AZ64,
    categories      VARCHAR(1024) ENCODE ZSTD,
    stores          VARCHAR(1024) ENCODE ZSTD,
    discount_pct    NUMERIC(5,2)  ENCODE AZ64,
    discount_amount NUMERIC(12,2) ENCODE AZ64,
    min_unit_price  NUMERIC(12,2) ENCODE AZ64,
    online_code     VARCHAR(256)  ENCODE ZSTD
)
DISTSTYLE ALL
COMPOUND SORTKEY (promotion_id);

-- USD per unit of a currency, per day.
CREATE TABLE IF NOT EXISTS fx_rate (
    currency     VARCHAR(256)  ENCODE RAW,
    rate_date    DATE          ENCODE AZ64,
    usd_per_unit NUMERIC(18,6) ENCODE AZ64
)
DISTSTYLE ALL
COMPOUND SORTKEY (currency, rate_date);

-- The calendar (see postgres/schema.sql), 2020-01-01..2035-12-31.
CREATE TABLE IF NOT EXISTS dim_date (
    day             DATE        NOT NULL ENCODE RAW,
    year            INTEGER     NOT NULL ENCODE AZ64,
    quarter         INTEGER     NOT NULL ENCODE AZ64,
    month           INTEGER     NOT NULL ENCODE AZ64,
    month_name      VARCHAR(9)  NOT NULL ENCODE ZSTD,
    day_of_month    INTEGER     NOT NULL ENCODE AZ64,
    day_of_year     INTEGER     NOT NULL ENCODE AZ64,
    iso_year        INTEGER     NOT NULL ENCODE AZ64,
    iso_week        INTEGER     NOT NULL ENCODE AZ64,
    week_start      DATE        NOT NULL ENCODE AZ64,
    week_end        DATE        NOT NULL ENCODE AZ64,
    day_of_week     INTEGER     NOT NULL ENCODE AZ64,
    day_name        VARCHAR(9)  NOT NULL ENCODE ZSTD,
    is_weekend      BOOLEAN     NOT NULL ENCODE RAW,
    is_black_friday BOOLEAN     NOT NULL ENCODE RAW,
    is_cyber_monday BOOLEAN     NOT NULL ENCODE RAW,
    is_christmas    BOOLEAN     NOT NULL ENCODE RAW,
    holiday         VARCHAR(32)          ENCODE ZSTD,
    PRIMARY KEY (day)
)
DISTSTYLE ALL
COMPOUND SORTKEY (day);

-- Idempotent without ON CONFLICT: only the days not there yet.
INSERT INTO dim_date (day, year, quarter, month, month_name, day_of_month, day_of_year,
                      iso_year, iso_week, week_start, week_end, day_of_week, day_name,
                      is_weekend, is_black_friday, is_cyber_monday, is_christmas, holiday)
WITH digits AS (
    SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
    UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9
), days AS (
    SELECT CAST('2020-01-01' AS DATE) + (a.n + 10 * b.n + 100 * c.n + 1000 * d.n) AS day
    FROM digits AS a CROSS JOIN digits AS b CROSS JOIN digits AS c CROSS JOIN digits AS d
), g AS (
    SELECT day,
           CASE CAST(EXTRACT(DOW FROM day) AS INTEGER) WHEN 0 THEN 7
                ELSE CAST(EXTRACT(DOW FROM day) AS INTEGER) END AS dow,
           CAST(EXTRACT(MONTH FROM day) AS INTEGER) AS m,
           CAST(EXTRACT(DAY FROM day) AS INTEGER) AS dom
    FROM days
    WHERE day <= CAST('2035-12-31' AS DATE)
)
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
       CAST(EXTRACT(YEAR FROM day + (4 - dow)) AS INTEGER),
       (CAST(EXTRACT(DOY FROM day + (4 - dow)) AS INTEGER) - 1) / 7 + 1,
       day - (dow - 1),
       day + (7 - dow),
       dow,
       CASE dow WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday'
                WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' WHEN 6 THEN 'Saturday'
                ELSE 'Sunday' END,
       CASE WHEN dow >= 6 THEN TRUE ELSE FALSE END,
       CASE WHEN m = 11 AND dow = 5 AND dom BETWEEN 23 AND 29 THEN TRUE ELSE FALSE END,
       CASE WHEN dow = 1 AND ((m = 11 AND dom >= 26) OR (m = 12 AND dom <= 2))
            THEN TRUE ELSE FALSE END,
       CASE WHEN m = 12 AND dom = 25 THEN TRUE ELSE FALSE END,
       CASE WHEN m = 1 AND dom = 1 THEN 'New Year''s Day'
            WHEN m = 11 AND dow = 4 AND dom BETWEEN 22 AND 28 THEN 'Thanksgiving'
            WHEN m = 11 AND dow = 5 AND dom BETWEEN 23 AND 29 THEN 'Black Friday'
            WHEN dow = 1 AND ((m = 11 AND dom >= 26) OR (m = 12 AND dom <= 2)) THEN 'Cyber Monday'
            WHEN m = 12 AND dom = 24 THEN 'Christmas Eve'
            WHEN m = 12 AND dom = 25 THEN 'Christmas Day'
            WHEN m = 12 AND dom = 26 THEN 'Boxing Day'
            WHEN m = 12 AND dom = 31 THEN 'New Year''s Eve' END
FROM g
WHERE NOT EXISTS (SELECT 1 FROM dim_date AS x WHERE x.day = g.day);

-- The views are in views.sql, the same for PostgreSQL, applied after this
-- file.
