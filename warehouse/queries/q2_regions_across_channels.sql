-- title: Regions that do better across channels
-- chart: bar
-- plot: retail_index, department_index, discount_index
--
-- Question 2 of the CEO: which regions do better, and is it true in every
-- channel? For each region (dim_store.region) and store channel, net
-- sales in USD per store and per day the channel reported, as an index:
-- 100 = the channel's average store-day over all regions. A region above
-- 100 in all three channels does better whatever the channel; one above
-- 100 in one channel only has a channel-specific strength. Online sales
-- have no store and no region and are left out.
--
-- Columns: region; retail_index, department_index, discount_index (100 =
-- channel average; empty when the channel has no store there);
-- mean_index (the mean of the indexes the region has); stores (own and
-- partner stores with sales); usd (net sales, all store channels).
-- Reflects the planted weather and unemployment effects by region and the
-- stores' mall type and tenure (docs/GENERATOR.md), mixed: questions 5 and
-- 7 separate them.
WITH st AS (
    SELECT CASE WHEN coalesce(partner, '') = '' THEN store_id ELSE partner || '-' || store_id END AS store_key,
           region
    FROM dim_store
),
sd AS ( -- per store and channel: sales and the days the channel reported
    SELECT f.channel, f.store_key, sum(f.net_usd) AS usd
    FROM fact_sales f WHERE f.channel <> 'online' GROUP BY 1, 2
),
days AS (SELECT channel, count(DISTINCT business_date) AS n FROM fact_sales GROUP BY 1),
per AS (
    SELECT sd.channel, st.region, count(*) AS stores, sum(sd.usd) AS usd,
           sum(sd.usd) / count(*) / max(days.n) AS per_store_day
    FROM sd JOIN st USING (store_key) JOIN days USING (channel)
    GROUP BY 1, 2
),
avg_ch AS (
    SELECT channel, sum(usd) / sum(stores) / max(days.n) AS per_store_day
    FROM per JOIN days USING (channel) GROUP BY 1
),
idx AS (
    SELECT p.region, p.channel, p.stores, p.usd,
           round(100 * p.per_store_day / a.per_store_day, 1) AS ix
    FROM per p JOIN avg_ch a USING (channel)
)
SELECT region,
       max(ix) FILTER (WHERE channel = 'retail') AS retail_index,
       max(ix) FILTER (WHERE channel = 'department') AS department_index,
       max(ix) FILTER (WHERE channel = 'discount') AS discount_index,
       round(avg(ix), 1) AS mean_index,
       sum(stores) AS stores, sum(usd) AS usd
FROM idx
GROUP BY region
ORDER BY mean_index DESC, region;
