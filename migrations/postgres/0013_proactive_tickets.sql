-- The same as ../sqlite/0013_proactive_tickets.sql.
CREATE INDEX tickets_proactive_by_received ON tickets (received_at) WHERE channel = 'proactive';
