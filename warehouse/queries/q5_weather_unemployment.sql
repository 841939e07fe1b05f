-- title: External forces: weather and unemployment
-- chart: bar
-- plot: rain_effect_pct, temp_effect_pct_per_c
--
-- Question 5 of the CEO: how much do weather and the economy move sales?
-- Per region: how much a rainy day (at least 5.0 mm at the region's
-- reference station, the one with a WMO id in dim_weather_station) changes
-- a store's units, and how much one degree C warmer than normal does (the
-- normal: mean - amplitude x cos(2 pi (day of year - 15) / 365.25), fitted
-- by least squares on all the station's days in weather_daily, which holds
-- the year so far). A last row gives the
-- unemployment elasticity of the US stores' sales.
--
-- Method: stores that report every day (own stores, and the department
-- partners with daily files); a store-day's units are divided by the
-- store's mean day and by the day's level of its chain (the same day's
-- units of all the chain's stores over their means: weekday, season,
-- promotions and the chain's trend cancel). The temperature slope is that
-- ratio regressed on the TMAX anomaly over the dry days, divided by its
-- mean; the rain effect compares rainy and dry days after taking the
-- temperature out. Unemployment: across the US stores of every store
-- channel, ln(the store's mean units per reporting day) on ln(its state's
-- mean rate over the period and the three months before it, published
-- months only), jointly with the chain x mall type (group means), ln(square
-- feet), staff and manager tenure (question 7's attributes), by least
-- squares; the rate moves little within a few weeks, so this is a
-- cross-section: partner stores' size is not in their square feet and
-- stays noise.
--
-- Columns: region; store_days (store-days behind the row); rain_days (days
-- with >= 5 mm at the reference station); rain_effect_pct (% change of
-- units on a rainy day); temp_effect_pct_per_c (% change per degree C
-- above normal); unemployment_elasticity (last row only: % change of
-- sales per 1% higher unemployment rate). Regions with fewer than 5 rainy
-- days get no rain effect.
-- Recovers the planted weather effects (docs/GENERATOR.md: e.g. US-NE rain
-- -12% and +0.6% per degree C) and the unemployment elasticity (-0.5).
WITH daily_chain AS ( -- chains that report every day
    SELECT CASE WHEN channel = 'retail' THEN 'OWN' ELSE split_part(store_key, '-', 1) END AS chain
    FROM fact_sales WHERE channel IN ('retail', 'department')
    GROUP BY 1 HAVING count(DISTINCT business_date) > 2 * count(DISTINCT date_trunc('week', business_date))
),
sd AS (
    SELECT CASE WHEN f.channel = 'retail' THEN 'OWN' ELSE split_part(f.store_key, '-', 1) END AS chain,
           f.store_key, f.business_date AS day, sum(f.units)::float8 AS u
    FROM fact_sales f
    WHERE f.channel IN ('retail', 'department') AND f.txn_type <> 'RETURN'
    GROUP BY 1, 2, 3
    HAVING sum(f.units) > 0
),
sd2 AS (SELECT sd.* FROM sd JOIN daily_chain USING (chain)),
lvl AS (SELECT store_key, avg(u) AS a FROM sd2 GROUP BY 1),
dayf AS (
    SELECT chain, day, sum(u) / sum(a) AS b FROM sd2 JOIN lvl USING (store_key) GROUP BY 1, 2
),
st AS (
    SELECT CASE WHEN coalesce(partner, '') = '' THEN store_id ELSE partner || '-' || store_id END AS store_key,
           region, state, country
    FROM dim_store
),
refobs AS ( -- the region's reference station (the one with a WMO id): rain, TMAX, the season's phase
    SELECT s.region, w.station, w.day, w.prcp_tenths >= 50 AS rain, w.tmax_c::float8 AS tmax,
           -cos(2 * pi() * (extract(doy FROM w.day) - 1 - 15) / 365.25) AS c
    FROM weather_daily w JOIN dim_weather_station s USING (station)
    WHERE coalesce(s.wmo_id, '') <> ''
),
normal AS ( -- the station's normal TMAX: mean + amplitude x the season, fitted on all its days (the year so far)
    SELECT station, regr_intercept(tmax, c) AS a, regr_slope(tmax, c) AS b
    FROM refobs WHERE tmax IS NOT NULL GROUP BY 1
),
ref AS (
    SELECT o.region, o.day, o.rain, o.tmax - (n.a + n.b * o.c) AS anom
    FROM refobs o JOIN normal n USING (station)
),
r AS (
    SELECT st.region, sd2.day, sd2.u / (l.a * d.b) AS r, ref.rain, ref.anom::float8 AS anom
    FROM sd2 JOIN lvl l USING (store_key) JOIN dayf d USING (chain, day)
    JOIN st USING (store_key) JOIN ref ON ref.region = st.region AND ref.day = sd2.day
    WHERE ref.anom IS NOT NULL AND ref.rain IS NOT NULL
),
temp AS (
    SELECT region, regr_slope(r, anom) / avg(r) AS slope FROM r WHERE NOT rain GROUP BY 1
),
wx AS (
    SELECT r.region, count(*) AS store_days, count(DISTINCT r.day) FILTER (WHERE r.rain) AS rain_days,
           avg(r.r / (1 + t.slope * r.anom)) FILTER (WHERE r.rain)
             / avg(r.r / (1 + t.slope * r.anom)) FILTER (WHERE NOT r.rain) - 1 AS rain_effect,
           max(t.slope) AS slope
    FROM r JOIN temp t USING (region) GROUP BY 1
),
fips(fips, state) AS (VALUES
    ('01','AL'),('02','AK'),('04','AZ'),('05','AR'),('06','CA'),('08','CO'),('09','CT'),('10','DE'),
    ('11','DC'),('12','FL'),('13','GA'),('15','HI'),('16','ID'),('17','IL'),('18','IN'),('19','IA'),
    ('20','KS'),('21','KY'),('22','LA'),('23','ME'),('24','MD'),('25','MA'),('26','MI'),('27','MN'),
    ('28','MS'),('29','MO'),('30','MT'),('31','NE'),('32','NV'),('33','NH'),('34','NJ'),('35','NM'),
    ('36','NY'),('37','NC'),('38','ND'),('39','OH'),('40','OK'),('41','OR'),('42','PA'),('44','RI'),
    ('45','SC'),('46','SD'),('47','TN'),('48','TX'),('49','UT'),('50','VT'),('51','VA'),('53','WA'),
    ('54','WV'),('55','WI'),('56','WY'),('72','PR')),
period AS (SELECT min(day) AS d0, max(day) AS d1 FROM sd2),
urate AS (
    SELECT f.state, avg(u.rate)::float8 AS rate
    FROM unemployment_monthly u JOIN fips f ON f.fips = u.state_fips, period
    -- the months of the period, and the three before it (a month is published weeks after its end)
    WHERE make_date(u.year::int, substr(u.period, 2)::int, 1)
          BETWEEN date_trunc('month', period.d0) - interval '3 months' AND period.d1
    GROUP BY 1
),
ust AS ( -- US stores of every store channel: ln(mean units per reporting day), ln(state rate), attributes
    SELECT CASE WHEN f.channel = 'retail' THEN 'OWN' ELSE split_part(f.store_key, '-', 1) END
             || '/' || s.mall_type AS grp,
           ln(sum(f.units)::float8 / count(DISTINCT f.business_date)) AS y, ln(max(ur.rate)) AS x,
           ln(max(s.square_feet)::float8) AS sz, max(s.staff_tenure_months) / 12.0 AS sf,
           max(s.manager_tenure_months) / 12.0 AS mg
    FROM fact_sales f
    JOIN (SELECT d.*, CASE WHEN coalesce(partner, '') = '' THEN store_id ELSE partner || '-' || store_id END AS store_key
          FROM dim_store d) s USING (store_key)
    JOIN urate ur ON ur.state = s.state
    WHERE f.channel <> 'online' AND s.country = 'US' AND f.units > 0
    GROUP BY f.store_key, grp
),
g0 AS ( -- chain x mall type means out (the chain's volume, the mall factor)
    SELECT y - avg(y) OVER w AS y, x - avg(x) OVER w AS x, sz - avg(sz) OVER w AS sz,
           sf - avg(sf) OVER w AS sf, mg - avg(mg) OVER w AS mg
    FROM ust WINDOW w AS (PARTITION BY grp)
),
-- then size, staff and manager tenure out (Gram-Schmidt: the elasticity
-- is the coefficient of ln(rate) in the joint least-squares fit)
g1 AS (SELECT g0.*, sf - b * sz AS sf1 FROM g0, (SELECT sum(sf * sz) / nullif(sum(sz * sz), 0) AS b FROM g0) k),
g2 AS (
    SELECT g1.*, mg - b1 * sz - b2 * sf1 AS mg1
    FROM g1, (SELECT sum(mg * sz) / nullif(sum(sz * sz), 0) AS b1, sum(mg * sf1) / nullif(sum(sf1 * sf1), 0) AS b2 FROM g1) k
),
k3 AS (
    SELECT sum(y * sz) / nullif(sum(sz * sz), 0) AS ys, sum(y * sf1) / nullif(sum(sf1 * sf1), 0) AS yf,
           sum(y * mg1) / nullif(sum(mg1 * mg1), 0) AS ym,
           sum(x * sz) / nullif(sum(sz * sz), 0) AS xs, sum(x * sf1) / nullif(sum(sf1 * sf1), 0) AS xf,
           sum(x * mg1) / nullif(sum(mg1 * mg1), 0) AS xm
    FROM g2
),
g3 AS (
    SELECT y - ys * sz - yf * sf1 - ym * mg1 AS y, x - xs * sz - xf * sf1 - xm * mg1 AS x FROM g2, k3
),
unemp AS (SELECT sum(x * y) / nullif(sum(x * x), 0) AS elasticity, count(*) AS n FROM g3)
SELECT region, store_days, rain_days,
       CASE WHEN rain_days >= 5 THEN round((100 * rain_effect)::numeric, 1) END AS rain_effect_pct,
       round((100 * slope)::numeric, 2) AS temp_effect_pct_per_c,
       NULL::numeric AS unemployment_elasticity
FROM wx
UNION ALL
SELECT 'US unemployment', n, NULL, NULL, NULL, round(elasticity::numeric, 2) FROM unemp
ORDER BY 1;
