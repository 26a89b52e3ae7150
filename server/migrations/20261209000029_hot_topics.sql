-- Hot topics (热点话题): what the public, deputies and the 12345 hotline write, cut into words
-- once (jieba, on the server) and counted per district and week when a page asks.

-- 12345 hotline exports, imported whole or not at all.
create table hotline_imports (
    id uuid primary key,
    file_name text not null check (length(file_name) between 1 and 255),
    rows integer not null check (rows >= 0),
    -- Rows of the file that an earlier import holds already (overlapping exports).
    skipped integer not null default 0 check (skipped >= 0),
    imported_by uuid not null references users (id),
    at timestamptz not null default now()
);

create table hotline_records (
    id uuid primary key,
    import_id uuid not null references hotline_imports (id),
    row integer not null check (row > 1),
    received_on date not null,
    district_id uuid references districts (id),
    category text not null check (length(category) between 1 and 64),
    body text not null check (length(body) between 1 and 2000),
    -- The ticket number when the export has one, else a digest of the row: the same call in two
    -- overlapping exports is stored once.
    key text not null unique check (length(key) between 1 and 128)
);
create index hotline_records_on on hotline_records (received_on);

-- The word lists staff edit: one row. Stop words are never topics; each synonym line names its
-- words by the first.
create table topic_words (
    id integer primary key check (id = 1),
    stop_words text not null check (length(stop_words) <= 100000),
    synonyms text not null check (length(synonyms) <= 100000),
    updated_by uuid references users (id),
    updated_at timestamptz not null default now()
);
insert into topic_words (id, stop_words, synonyms) values (1,
'这个 那个 这里 那里 这样 那样 我们 你们 他们 她们 它们 大家 自己 什么 怎么 为什么 没有 还是 就是 但是 而且 因为 所以 如果 可以 可能 已经 现在 一直 一下 一些 一个 一点 很多 非常 比较 还有 希望 建议 问题 情况 有关 相关 进行 目前 应该 需要 能够 不能 不是 感觉 觉得 看到 反映 市民 群众 来电 诉求 表示 要求 请求 咨询 投诉 处理 解决 部门 工作 谢谢 你好 您好',
'停车 车位 停车位 停车场
充电桩 充电设施 充电站
垃圾 生活垃圾 垃圾桶
噪音 噪声 扰民
积水 内涝 排水
路灯 照明');

-- Every text once, with its words. `part` tells apart the text answers of one questionnaire
-- answer (the question's index); 0 elsewhere. Filled by the server from its sources.
create table topic_texts (
    id bigint generated always as identity primary key,
    source text not null check (source in ('comment', 'answer', 'observation', 'hotline')),
    source_id uuid not null,
    part integer not null default 0 check (part >= 0),
    district_id uuid references districts (id),
    site_id uuid references sites (id),
    at timestamptz not null,
    body text not null check (length(body) between 1 and 2000),
    words text[] not null,
    unique (source, source_id, part)
);
create index topic_texts_at on topic_texts (at, district_id);
