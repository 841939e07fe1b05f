-- title: Which promotions work? Lift by promotion type
-- chart: bar
-- plot: lift
--
-- Question 3 of the CEO: how effective are ads and promotions? This query
-- answers the promotions half (question 6 the online ads): for each
-- promotion type, how many more units a category sells in an own store on
-- the days the promotion covers it than the same store sells of the same
-- category on days without a promotion.
--
-- Method (own stores, sales_retail SALE lines, units):
--   * a cell is one (store, day, category); which promotions cover it comes
--     from dim_promotion (type, dates, categories, stores) and the store's
--     attributes in dim_store (endcaps, circular_program, in_store_displays);
--   * promotions on ALL categories (the weekend coupon, Black Friday) raise
--     every category of the store's day alike; they cannot be told apart
--     from the day itself this way, so the coupon's lift is measured
--     against the partner stores that report daily (department channel):
--     ln(own units / partners' units) of a day, its mean on the weekend
--     against its mean on the weekdays of the same ISO week (the weekday
--     pattern and the season cancel in the ratio, the weekly and monthly
--     promotions within the week), averaged over the weeks with both, days
--     with another all-category promotion (Black Friday) left out;
--   * the baseline of a cell is the same store's same day, scaled by the
--     category's share: expected = weight(category) x units of the store's
--     unpromoted categories that day / their weights, with the category
--     weights estimated (twice, the second time with the first's day
--     levels) from unpromoted cells only. Weekday, season, weather and store
--     size cancel within a store's day;
--   * lift(type) = units in cells covered by that type alone / their
--     expected units. A lift of 1.30 means +30% units.
--
-- Columns: promotion_type; lift (units with / without, 1.00 = no effect);
-- cells (store-day-category cells behind it; coupon: own store-days);
-- promoted_units; expected_units (the baseline for the same cells).
-- Recovers the generator's planted promotion lift by type (docs/GENERATOR.md,
-- "Planted effects": price discount 1.45, coupon 1.08, endcap 1.30,
-- circular 1.20, in-store display 1.15).
WITH own AS (
    SELECT store_id, endcaps, circular_program, in_store_displays
    FROM dim_store WHERE coalesce(partner, '') = ''
),
promo AS (
    SELECT DISTINCT type, start_date, end_date, stores,
           CASE WHEN categories = 'ALL' THEN NULL
                ELSE string_to_array(replace(categories, ' ', ''), ',') END AS cats
    FROM dim_promotion
),
cell AS (
    SELECT s.store_key, s.business_date AS day, p.category, sum(s.units)::float8 AS u
    FROM sales_retail s JOIN dim_product p USING (sku)
    WHERE s.txn_type = 'SALE'
    GROUP BY 1, 2, 3
),
cover AS ( -- the category-specific promotion types covering each cell
    SELECT c.store_key, c.day, c.category, c.u,
           array_remove(array_agg(DISTINCT pr.type), NULL) AS types
    FROM cell c JOIN own o ON o.store_id = c.store_key
    LEFT JOIN promo pr
      ON c.day BETWEEN pr.start_date AND pr.end_date
     AND pr.cats IS NOT NULL AND c.category = ANY (pr.cats)
     AND CASE pr.stores
           WHEN 'own stores with endcaps' THEN o.endcaps > 0
           WHEN 'own stores in the circular program' THEN o.circular_program = 'Y'
           WHEN 'own stores with in-store displays' THEN o.in_store_displays > 0
           ELSE true END
    GROUP BY 1, 2, 3, 4
),
clean AS (SELECT * FROM cover WHERE cardinality(types) = 0),
dayall AS (SELECT store_key, day, sum(u) AS u FROM cell GROUP BY 1, 2),
w0 AS ( -- first weights: share of the store's whole day
    SELECT c.category, sum(c.u) / sum(d.u) AS w
    FROM clean c JOIN dayall d USING (store_key, day) GROUP BY 1
),
lvl0 AS ( -- the store's day level: unpromoted units / their weights
    SELECT c.store_key, c.day, sum(c.u) / sum(w.w) AS n
    FROM clean c JOIN w0 w USING (category) GROUP BY 1, 2
),
w1 AS (
    SELECT c.category, sum(c.u) / sum(l.n) AS w
    FROM clean c JOIN lvl0 l USING (store_key, day) GROUP BY 1
),
lvl1 AS (
    SELECT c.store_key, c.day, sum(c.u) / sum(w.w) AS n
    FROM clean c JOIN w1 w USING (category) GROUP BY 1, 2
),
single AS (
    SELECT cv.types[1] AS promotion_type, count(*) AS cells, sum(cv.u) AS promoted,
           sum(w.w * l.n) AS expected
    FROM cover cv JOIN w1 w USING (category) JOIN lvl1 l USING (store_key, day)
    WHERE cardinality(cv.types) = 1
    GROUP BY 1
),
coupon AS ( -- own / daily partners' units per day: weekend over weekdays of the same ISO week
    SELECT 'coupon'::text AS promotion_type, sum(n_own) AS cells, sum(own) AS promoted,
           sum(own) / exp(avg(lift)) AS expected
    FROM (
        SELECT date_trunc('week', day) AS wk, n_own, own,
               avg(ln(own / partners)) FILTER (WHERE weekend) OVER (PARTITION BY date_trunc('week', day))
             - avg(ln(own / partners)) FILTER (WHERE NOT weekend) OVER (PARTITION BY date_trunc('week', day)) AS lift,
               weekend
        FROM (
            SELECT f.business_date AS day, extract(isodow FROM f.business_date) >= 6 AS weekend,
                   count(DISTINCT f.store_key) FILTER (WHERE f.channel = 'retail') AS n_own,
                   sum(f.units) FILTER (WHERE f.channel = 'retail')::float8 AS own,
                   sum(f.units) FILTER (WHERE f.channel = 'department')::float8 AS partners
            FROM fact_sales f
            WHERE ((f.channel = 'retail' AND f.txn_type = 'SALE')
                OR (f.channel = 'department' AND split_part(f.store_key, '-', 1) IN
                    (SELECT split_part(store_key, '-', 1) FROM sales_department -- daily reporters
                     GROUP BY 1 HAVING count(DISTINCT business_date) > 2 * count(DISTINCT date_trunc('week', business_date)))))
              AND NOT EXISTS (SELECT 1 FROM promo a -- another all-category promotion (Black Friday)
                              WHERE a.cats IS NULL AND a.type <> 'coupon'
                                AND f.business_date BETWEEN a.start_date AND a.end_date)
            GROUP BY 1, 2
            HAVING sum(f.units) FILTER (WHERE f.channel = 'retail') > 0 -- not a closed day (Christmas)
               AND sum(f.units) FILTER (WHERE f.channel = 'department') > 0
        ) d
    ) w
    WHERE weekend AND lift IS NOT NULL
)
SELECT promotion_type, round((promoted / expected)::numeric, 3) AS lift, cells,
       round(promoted::numeric) AS promoted_units, round(expected::numeric) AS expected_units
FROM (SELECT * FROM single UNION ALL SELECT * FROM coupon) x
WHERE expected > 0
ORDER BY lift DESC;
