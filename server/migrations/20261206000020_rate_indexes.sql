-- The dashboard counts the deputies' ratings of each item's current answer: every `rate` event
-- after the item's latest `answer`. Found by the closed-loop benchmark: without these the count
-- read the whole log (861,148 rows) to find 26,775 rates, and the dashboard took 943 ms.
create index list_item_events_rates on list_item_events (item_id, id) include (comment)
    where action = 'rate';
create index list_item_events_answers on list_item_events (item_id, id)
    where action = 'answer';
