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
-- store's mean day and by the day's level of its chain in the other
-- regions (the same day's units of the chain's stores elsewhere over their
-- means: weekday, season, promotions and the chain's trend cancel, and the
-- region's own weather stays in). Per region, one least-squares fit of
-- that ratio on the TMAX anomaly and on the rainy day together, over all
-- days; each store-day weighted by 1 / the residual variance of its chain
-- (from a first, unweighted fit: an own store's day of ~1,000 units is
-- less noisy than a partner's of ~100); the effects are the coefficients
-- over the fit's level on a dry day of normal temperature. Unemployment:
-- across the US stores of every store channel, ln(the store's mean units
-- per reporting day) on ln(its state's rate), the rate of the month two
-- before each day's month (the latest one published before that month
-- began: shoppers spend on the news they have) averaged over the period's
-- days, jointly with the chain x mall type (group means), ln(square feet)
-- with a slope per chain (an own store's selling area and a department
-- store's floor area say different things about its volume), staff and
-- manager tenure (question 7's attributes), by least squares; the rate
-- moves little within a few weeks, so this is a cross-section.
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
st AS (
    SELECT CASE WHEN coalesce(partner, '') = '' THEN store_id ELSE partner || '-' || store_id END AS store_key,
           region, state, country
    FROM dim_store
),
sd AS (
    SELECT CASE WHEN f.channel = 'retail' THEN 'OWN' ELSE split_part(f.store_key, '-', 1) END AS chain,
           f.store_key, f.business_date AS day, sum(f.units)::float8 AS u
    FROM fact_sales f
    WHERE f.channel IN ('retail', 'department') AND f.txn_type <> 'RETURN'
    GROUP BY 1, 2, 3
    HAVING sum(f.units) > 0
),
sd2 AS (SELECT sd.*, st.region FROM sd JOIN daily_chain USING (chain) JOIN st USING (store_key)),
lvl AS (SELECT store_key, avg(u) AS a FROM sd2 GROUP BY 1),
cr AS ( -- a chain's units and store means per region and day
    SELECT chain, region, day, sum(u) AS su, sum(a) AS sa FROM sd2 JOIN lvl USING (store_key) GROUP BY 1, 2, 3
),
dayf AS ( -- the chain's level of the day in the other regions
    SELECT c.chain, c.region, c.day, (t.su - c.su) / nullif(t.sa - c.sa, 0) AS b
    FROM cr c JOIN (SELECT chain, day, sum(su) AS su, sum(sa) AS sa FROM cr GROUP BY 1, 2) t USING (chain, day)
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
    SELECT o.region, o.day, o.rain::int::float8 AS z, o.tmax - (n.a + n.b * o.c) AS anom
    FROM refobs o JOIN normal n USING (station)
    WHERE o.rain IS NOT NULL AND o.tmax IS NOT NULL
),
r AS ( -- y: the store-day over its store's mean and its chain's day elsewhere; x: anomaly; z: rainy day
    SELECT sd2.chain, sd2.region, sd2.day, sd2.u / (l.a * d.b) AS y, ref.anom::float8 AS x, ref.z
    FROM sd2 JOIN lvl l USING (store_key) JOIN dayf d USING (chain, region, day) JOIN ref USING (region, day)
    WHERE d.b > 0
),
-- per region: y = c + bx x + bz z by weighted least squares (weights w);
-- without rainy days (or without dry ones) the fit is y = c + bx x
m1 AS (
    SELECT r.*, y - avg(y) OVER g AS yc, x - avg(x) OVER g AS xc, z - avg(z) OVER g AS zc
    FROM r WINDOW g AS (PARTITION BY region)
),
s1 AS (
    SELECT region, sum(xc * xc) AS xx, sum(zc * zc) AS zz, sum(xc * zc) AS xz, sum(xc * yc) AS xy, sum(zc * yc) AS zy
    FROM m1 GROUP BY 1
),
f1 AS (
    SELECT region, CASE WHEN zz > 0 THEN (xy * zz - zy * xz) / nullif(xx * zz - xz * xz, 0) ELSE xy / nullif(xx, 0) END AS bx,
           CASE WHEN zz > 0 THEN (zy * xx - xy * xz) / nullif(xx * zz - xz * xz, 0) ELSE 0 END AS bz
    FROM s1
),
wt AS ( -- a chain's residual variance per store-day (the first fit's)
    SELECT m1.chain, 1 / nullif(avg((yc - bx * xc - bz * zc) ^ 2), 0) AS w FROM m1 JOIN f1 USING (region) GROUP BY 1
),
m2 AS (
    SELECT r.*, sum(w * y) OVER g / sum(w) OVER g AS my, sum(w * x) OVER g / sum(w) OVER g AS mx,
           sum(w * z) OVER g / sum(w) OVER g AS mz
    FROM (SELECT r.*, coalesce(wt.w, 1) AS w FROM r LEFT JOIN wt USING (chain)) r WINDOW g AS (PARTITION BY region)
),
s2 AS (
    SELECT region, count(*) AS store_days, count(DISTINCT day) FILTER (WHERE z = 1) AS rain_days,
           max(my) AS my, max(mx) AS mx, max(mz) AS mz,
           sum(w * (x - mx) ^ 2) AS xx, sum(w * (z - mz) ^ 2) AS zz, sum(w * (x - mx) * (z - mz)) AS xz,
           sum(w * (x - mx) * (y - my)) AS xy, sum(w * (z - mz) * (y - my)) AS zy
    FROM m2 GROUP BY 1
),
f2 AS ( -- bz: NULL without both rainy and dry days
    SELECT region, store_days, rain_days, my, mx, mz,
           CASE WHEN zz > 0 THEN (xy * zz - zy * xz) / nullif(xx * zz - xz * xz, 0) ELSE xy / nullif(xx, 0) END AS bx,
           CASE WHEN zz > 0 THEN (zy * xx - xy * xz) / nullif(xx * zz - xz * xz, 0) END AS bz
    FROM s2
),
wx AS ( -- the effects over the level of a dry day of normal temperature
    SELECT region, store_days, rain_days, bx / nullif(my - bx * mx - coalesce(bz, 0) * mz, 0) AS slope,
           bz / nullif(my - bx * mx - coalesce(bz, 0) * mz, 0) AS rain_effect
    FROM f2
),
fips(fips, state) AS (VALUES
    ('01','AL'),('02','AK'),('04','AZ'),('05','AR'),('06','CA'),('08','CO'),('09','CT'),('10','DE'),
    ('11','DC'),('12','FL'),('13','GA'),('15','HI'),('16','ID'),('17','IL'),('18','IN'),('19','IA'),
    ('20','KS'),('21','KY'),('22','LA'),('23','ME'),('24','MD'),('25','MA'),('26','MI'),('27','MN'),
    ('28','MS'),('29','MO'),('30','MT'),('31','NE'),('32','NV'),('33','NH'),('34','NJ'),('35','NM'),
    ('36','NY'),('37','NC'),('38','ND'),('39','OH'),('40','OK'),('41','OR'),('42','PA'),('44','RI'),
    ('45','SC'),('46','SD'),('47','TN'),('48','TX'),('49','UT'),('50','VT'),('51','VA'),('53','WA'),
    ('54','WV'),('55','WI'),('56','WY'),('72','PR')),
pdays AS ( -- the days of the period
    SELECT d::date AS day FROM (SELECT min(day) AS d0, max(day) AS d1 FROM sd2) p, generate_series(p.d0, p.d1, interval '1 day') d
),
urate AS ( -- per state: the rate of the month two before each day's month, over the period's days
    -- (a month missing from the file, a rejected row, is left out)
    SELECT f.state, avg(u.rate)::float8 AS rate
    FROM pdays p
    JOIN unemployment_monthly u
      ON make_date(u.year::int, substr(u.period, 2)::int, 1) = date_trunc('month', p.day) - interval '2 months'
    JOIN fips f ON f.fips = u.state_fips
    GROUP BY 1
),
ust AS ( -- US stores of every store channel: ln(mean units per reporting day), ln(state rate), attributes
    SELECT CASE WHEN f.channel = 'retail' THEN 'OWN' ELSE split_part(f.store_key, '-', 1) END AS chain,
           CASE WHEN f.channel = 'retail' THEN 'OWN' ELSE split_part(f.store_key, '-', 1) END
             || '/' || s.mall_type AS grp,
           ln(sum(f.units)::float8 / count(DISTINCT f.business_date)) AS y, ln(max(ur.rate)) AS x,
           ln(max(s.square_feet)::float8) AS sz, max(s.staff_tenure_months) / 12.0 AS sf,
           max(s.manager_tenure_months) / 12.0 AS mg
    FROM fact_sales f
    JOIN (SELECT d.*, CASE WHEN coalesce(partner, '') = '' THEN store_id ELSE partner || '-' || store_id END AS store_key
          FROM dim_store d) s USING (store_key)
    JOIN urate ur ON ur.state = s.state
    WHERE f.channel <> 'online' AND s.country = 'US' AND f.units > 0
    GROUP BY f.store_key, 1, 2
),
g0 AS ( -- chain x mall type means out (the chain's volume, the mall factor)
    SELECT chain, y - avg(y) OVER w AS y, x - avg(x) OVER w AS x, sz - avg(sz) OVER w AS sz,
           sf - avg(sf) OVER w AS sf, mg - avg(mg) OVER w AS mg
    FROM ust WINDOW w AS (PARTITION BY grp)
),
-- then, by successive orthogonalization (the elasticity is the
-- coefficient of ln(rate) in the joint least-squares fit): size with a
-- slope per chain, staff tenure, manager tenure
gs AS (
    SELECT g0.*, sum(sz * sz) OVER c AS ss, sum(y * sz) OVER c AS ys, sum(x * sz) OVER c AS xs,
           sum(sf * sz) OVER c AS fs, sum(mg * sz) OVER c AS ms
    FROM g0 WINDOW c AS (PARTITION BY chain)
),
g1 AS (
    SELECT CASE WHEN ss > 0 THEN y - ys / ss * sz ELSE y END AS y, CASE WHEN ss > 0 THEN x - xs / ss * sz ELSE x END AS x,
           CASE WHEN ss > 0 THEN sf - fs / ss * sz ELSE sf END AS sf, CASE WHEN ss > 0 THEN mg - ms / ss * sz ELSE mg END AS mg
    FROM gs
),
g2 AS (
    SELECT g1.*, mg - b * sf AS mg1 FROM g1, (SELECT sum(mg * sf) / nullif(sum(sf * sf), 0) AS b FROM g1) k
),
k3 AS (
    SELECT sum(y * sf) / nullif(sum(sf * sf), 0) AS yf, sum(y * mg1) / nullif(sum(mg1 * mg1), 0) AS ym,
           sum(x * sf) / nullif(sum(sf * sf), 0) AS xf, sum(x * mg1) / nullif(sum(mg1 * mg1), 0) AS xm
    FROM g2
),
g3 AS (
    SELECT y - coalesce(yf, 0) * sf - coalesce(ym, 0) * mg1 AS y, x - coalesce(xf, 0) * sf - coalesce(xm, 0) * mg1 AS x
    FROM g2, k3
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
