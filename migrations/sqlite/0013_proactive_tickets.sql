-- 主动发现占比 (issue 16): the dashboard counts the tickets the street found itself (channel
-- 'proactive') among those received in a window. They are few, so they get their own short
-- index by reception time rather than a column in every KPI rollup row.
CREATE INDEX tickets_proactive_by_received ON tickets (received_at) WHERE channel = 'proactive';
