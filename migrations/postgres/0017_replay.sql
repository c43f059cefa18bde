-- A replay reads the event log by time (issue 17): the events of a window, in log order.
CREATE INDEX ticket_events_by_time ON ticket_events (at);
