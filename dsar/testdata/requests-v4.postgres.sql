--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: frist_fixture_v4; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA frist_fixture_v4;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: access_log; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.access_log (
    id bigint NOT NULL,
    requested_at timestamp with time zone,
    anonymized_at timestamp with time zone,
    ip text,
    user_agent text,
    path text
);


--
-- Name: appointments; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.appointments (
    id bigint NOT NULL,
    citizen_id text,
    starts_at timestamp with time zone,
    booked_at timestamp with time zone,
    name text,
    birth_date text,
    customer_number text,
    concern text,
    place text,
    email text,
    free_text text
);


--
-- Name: frist_audit; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.frist_audit (
    seq bigint NOT NULL,
    id text NOT NULL,
    at timestamp with time zone NOT NULL,
    action text NOT NULL,
    dataset text NOT NULL,
    rule text NOT NULL,
    count integer NOT NULL,
    prev text NOT NULL,
    hash text NOT NULL,
    body text NOT NULL
);


--
-- Name: frist_audit_head; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.frist_audit_head (
    id integer NOT NULL,
    seq bigint NOT NULL,
    hash text NOT NULL,
    CONSTRAINT frist_audit_head_id_check CHECK ((id = 1))
);


--
-- Name: frist_consent_events; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.frist_consent_events (
    id text NOT NULL COLLATE pg_catalog."C",
    subject text NOT NULL,
    purpose text NOT NULL,
    kind text NOT NULL,
    at timestamp with time zone NOT NULL,
    version text NOT NULL,
    text_sha256 text NOT NULL,
    method text NOT NULL,
    actor text NOT NULL,
    guardian_relation text NOT NULL,
    guardian_verification text NOT NULL,
    evidence text NOT NULL,
    reason text NOT NULL,
    reference text NOT NULL,
    erased boolean NOT NULL
);


--
-- Name: frist_holds; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.frist_holds (
    id text NOT NULL,
    dataset text NOT NULL,
    record_key text NOT NULL,
    subject text NOT NULL,
    reason text NOT NULL,
    note text NOT NULL,
    placed_at timestamp with time zone NOT NULL,
    until_at timestamp with time zone,
    released_at timestamp with time zone
);


--
-- Name: frist_leases; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.frist_leases (
    name text NOT NULL,
    owner text NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: frist_objections; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.frist_objections (
    id text NOT NULL COLLATE pg_catalog."C",
    subject text NOT NULL,
    purpose text NOT NULL,
    at timestamp with time zone NOT NULL,
    request text NOT NULL,
    lifted_at timestamp with time zone,
    lift_reason text NOT NULL
);


--
-- Name: frist_pending_events; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.frist_pending_events (
    id text NOT NULL COLLATE pg_catalog."C",
    dataset text NOT NULL,
    rule text NOT NULL,
    event text NOT NULL,
    record_keys text NOT NULL,
    subject text NOT NULL,
    purpose text NOT NULL,
    at timestamp with time zone NOT NULL,
    remembered_at timestamp with time zone
);


--
-- Name: frist_requests; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.frist_requests (
    id text NOT NULL COLLATE pg_catalog."C",
    subject text NOT NULL,
    kind text NOT NULL,
    state text NOT NULL,
    is_final boolean NOT NULL,
    received_at timestamp with time zone NOT NULL,
    due_at timestamp with time zone NOT NULL,
    version integer NOT NULL,
    body bytea NOT NULL
);


--
-- Name: frist_schema_version; Type: TABLE; Schema: frist_fixture_v4; Owner: -
--

CREATE TABLE frist_fixture_v4.frist_schema_version (
    version integer NOT NULL,
    description text NOT NULL
);


--
-- Data for Name: access_log; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--



--
-- Data for Name: appointments; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--



--
-- Data for Name: frist_audit; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--

INSERT INTO frist_fixture_v4.frist_audit VALUES (1, '019a48d6-5f40-7efd-ad2b-ce66d710c328', '2025-11-03 08:30:00+00', 'dsar.open', '', '', 0, '', '907f16fd7caf9002d97508efae19f1603a697f64fcb5a281a5da906f1e7e563b', '{"seq":1,"id":"019a48d6-5f40-7efd-ad2b-ce66d710c328","time":"2025-11-03T08:30:00Z","action":"dsar.open","count":0,"subjects":["dsar1:lyLWN77knx1MV2ruBls5u1DI4_IVDCTYdO7MMzO2ak4"],"policy":"8a3be0d32a9cebd6a79c2e3ef0ba44286612eb4a07b2138930c33092342dfda5","note":"request 01a23c07-610d-7e4a-9478-1ecf2a7f2511 (access)","prev":"","hash":"907f16fd7caf9002d97508efae19f1603a697f64fcb5a281a5da906f1e7e563b","sig":"dsar1:V2foESfsihl_tj_ErKDVfzT7cQuPgWxPdciFRnkk4c6jnnL_oiGNtA587V9S4NMVq1g_yZvfPkye5DaC70EOAA"}');
INSERT INTO frist_fixture_v4.frist_audit VALUES (2, '019a48d6-5f40-7202-830e-ff4f97038607', '2025-11-03 08:30:00+00', 'dsar.verified', '', '', 0, '907f16fd7caf9002d97508efae19f1603a697f64fcb5a281a5da906f1e7e563b', '0008003131c0c057a4d9af52cdf167984b684d9a754943b13de460718ff2a65b', '{"seq":2,"id":"019a48d6-5f40-7202-830e-ff4f97038607","time":"2025-11-03T08:30:00Z","action":"dsar.verified","count":0,"subjects":["dsar1:lyLWN77knx1MV2ruBls5u1DI4_IVDCTYdO7MMzO2ak4"],"policy":"8a3be0d32a9cebd6a79c2e3ef0ba44286612eb4a07b2138930c33092342dfda5","note":"request 01a23c07-610d-7e4a-9478-1ecf2a7f2511 (access)","prev":"907f16fd7caf9002d97508efae19f1603a697f64fcb5a281a5da906f1e7e563b","hash":"0008003131c0c057a4d9af52cdf167984b684d9a754943b13de460718ff2a65b","sig":"dsar1:LwCVgV8C_dnOPlw1r1YGVrBT8jz53HmaacWjeR5hq0_7bephgxpe9x5lBN5NFGvm3qEixy8JcuXk77pkuQv-Bg"}');
INSERT INTO frist_fixture_v4.frist_audit VALUES (3, '019a4944-3c40-7be1-9b5e-33981f421e3c', '2025-11-03 10:30:00+00', 'dsar.open', '', '', 0, '0008003131c0c057a4d9af52cdf167984b684d9a754943b13de460718ff2a65b', 'e149e76ce91387819e5862d461ca40b168bd6b7a8014c8084655e4df74b5941c', '{"seq":3,"id":"019a4944-3c40-7be1-9b5e-33981f421e3c","time":"2025-11-03T10:30:00Z","action":"dsar.open","count":0,"subjects":["dsar1:lyLWN77knx1MV2ruBls5u1DI4_IVDCTYdO7MMzO2ak4"],"policy":"8a3be0d32a9cebd6a79c2e3ef0ba44286612eb4a07b2138930c33092342dfda5","note":"request 01a23c07-6113-7d6f-adc8-d255401d18aa (erasure)","prev":"0008003131c0c057a4d9af52cdf167984b684d9a754943b13de460718ff2a65b","hash":"e149e76ce91387819e5862d461ca40b168bd6b7a8014c8084655e4df74b5941c","sig":"dsar1:Z8r2h4xbCnaz-Im0ITBgd3oRmlvd18_E2-TcF0RtTPUctnK3ggtN6ETtVUDnfliHf7cfhDJUW5Uyw_VrTzz8DA"}');
INSERT INTO frist_fixture_v4.frist_audit VALUES (4, '019a4e6a-9840-72e1-a8cf-715608a2f176', '2025-11-04 10:30:00+00', 'dsar.completed', '', '', 0, 'e149e76ce91387819e5862d461ca40b168bd6b7a8014c8084655e4df74b5941c', '3158998b7fb8cdf7b33b19844d8f9205ae30dc9f89addb3ef18f6b469428c238', '{"seq":4,"id":"019a4e6a-9840-72e1-a8cf-715608a2f176","time":"2025-11-04T10:30:00Z","action":"dsar.completed","count":0,"subjects":["dsar1:lyLWN77knx1MV2ruBls5u1DI4_IVDCTYdO7MMzO2ak4"],"policy":"8a3be0d32a9cebd6a79c2e3ef0ba44286612eb4a07b2138930c33092342dfda5","note":"request 01a23c07-610d-7e4a-9478-1ecf2a7f2511 (access)","prev":"e149e76ce91387819e5862d461ca40b168bd6b7a8014c8084655e4df74b5941c","hash":"3158998b7fb8cdf7b33b19844d8f9205ae30dc9f89addb3ef18f6b469428c238","sig":"dsar1:XCV9-mjJc9VXeM_yldIcZGUT0TAhKg-SDDHMLYAIe8AJvpakJK-sFo7Q_2cQSp9vmr3p39_KCvNQJFyuEHCRDQ"}');
INSERT INTO frist_fixture_v4.frist_audit VALUES (5, '019a4e6a-9840-7802-bed3-4f4600e93f87', '2025-11-04 10:30:00+00', 'dsar.refused', '', '', 0, '3158998b7fb8cdf7b33b19844d8f9205ae30dc9f89addb3ef18f6b469428c238', '2ad5bb28801a89a48e580133363a3858ef96122d2c1b75302fcf23a2dd5a1f8d', '{"seq":5,"id":"019a4e6a-9840-7802-bed3-4f4600e93f87","time":"2025-11-04T10:30:00Z","action":"dsar.refused","count":0,"subjects":["dsar1:lyLWN77knx1MV2ruBls5u1DI4_IVDCTYdO7MMzO2ak4"],"policy":"8a3be0d32a9cebd6a79c2e3ef0ba44286612eb4a07b2138930c33092342dfda5","note":"request 01a23c07-6113-7d6f-adc8-d255401d18aa (erasure)","prev":"3158998b7fb8cdf7b33b19844d8f9205ae30dc9f89addb3ef18f6b469428c238","hash":"2ad5bb28801a89a48e580133363a3858ef96122d2c1b75302fcf23a2dd5a1f8d","sig":"dsar1:5oqKmfwdwWDbPfECNaDXDTzzNs6Eg6wFCuelITiDfEtGHsk7vCGRWGTIe6zfTxqiwEDy0Le-2mEMR0rWS78NDA"}');
INSERT INTO frist_fixture_v4.frist_audit VALUES (6, '019a4e6a-9840-7a12-ab69-1fefc95774da', '2025-11-04 10:30:00+00', 'dsar.open', '', '', 0, '2ad5bb28801a89a48e580133363a3858ef96122d2c1b75302fcf23a2dd5a1f8d', 'bbe9da4a913cd6e17115596f7309b1d60a344c6e3de2daaa8196f69576593611', '{"seq":6,"id":"019a4e6a-9840-7a12-ab69-1fefc95774da","time":"2025-11-04T10:30:00Z","action":"dsar.open","count":0,"subjects":["dsar1:kl263Db_hw2Bq3XkYUQi7uPhY3AQxal8YZBpFfvolwM"],"policy":"8a3be0d32a9cebd6a79c2e3ef0ba44286612eb4a07b2138930c33092342dfda5","note":"request 01a23c07-6118-7098-a3f7-d4290000418e (access)","prev":"2ad5bb28801a89a48e580133363a3858ef96122d2c1b75302fcf23a2dd5a1f8d","hash":"bbe9da4a913cd6e17115596f7309b1d60a344c6e3de2daaa8196f69576593611","sig":"dsar1:B5zmi_Rx6NbWD1yesevAkr9yTPYWdB1-g3MLJlTXg-DDamwJ49EkpVrNU4Uz8R-eUoln3vXP0F_YKiyvE_c8Cw"}');
INSERT INTO frist_fixture_v4.frist_audit VALUES (7, '019a4e6a-9840-703b-a551-1af127f99a4e', '2025-11-04 10:30:00+00', 'dsar.verified', '', '', 0, 'bbe9da4a913cd6e17115596f7309b1d60a344c6e3de2daaa8196f69576593611', 'b7264e2e1be4a7a43fb575985053b0e4109168c2ab35f64d20cf3908c37eea04', '{"seq":7,"id":"019a4e6a-9840-703b-a551-1af127f99a4e","time":"2025-11-04T10:30:00Z","action":"dsar.verified","count":0,"subjects":["dsar1:kl263Db_hw2Bq3XkYUQi7uPhY3AQxal8YZBpFfvolwM"],"policy":"8a3be0d32a9cebd6a79c2e3ef0ba44286612eb4a07b2138930c33092342dfda5","note":"request 01a23c07-6118-7098-a3f7-d4290000418e (access)","prev":"bbe9da4a913cd6e17115596f7309b1d60a344c6e3de2daaa8196f69576593611","hash":"b7264e2e1be4a7a43fb575985053b0e4109168c2ab35f64d20cf3908c37eea04","sig":"dsar1:Tb_G529pF0XaPUS08QXUEypgE268EmORnQLWFSAPCogAuL8kK1W0z9Q5hZLYx9mX9428jNPna9Fecp2g7pvUAw"}');


--
-- Data for Name: frist_audit_head; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--

INSERT INTO frist_fixture_v4.frist_audit_head VALUES (1, 7, 'b7264e2e1be4a7a43fb575985053b0e4109168c2ab35f64d20cf3908c37eea04');


--
-- Data for Name: frist_consent_events; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--



--
-- Data for Name: frist_holds; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--



--
-- Data for Name: frist_leases; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--



--
-- Data for Name: frist_objections; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--



--
-- Data for Name: frist_pending_events; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--



--
-- Data for Name: frist_requests; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--

INSERT INTO frist_fixture_v4.frist_requests VALUES ('01a23c07-610d-7e4a-9478-1ecf2a7f2511', 'KD-2025-771345', 'access', 'completed', true, '2025-11-03 08:30:00+00', '2025-12-03 23:00:00+00', 3, '\x7b226964223a2230316132336330372d363130642d376534612d393437382d316563663261376632353131222c226b696e64223a22616363657373222c227375626a656374223a224b442d323032352d373731333435222c2272656365697665645f6174223a22323032352d31312d30335430383a33303a30305a222c227374617465223a22636f6d706c65746564222c22646561646c696e65223a7b2266726f6d223a22323032352d31312d3033222c226d6f6e746873223a312c226e6f6d696e616c223a22323032352d31322d3033222c2264617465223a22323032352d31322d3033222c22656e64223a22323032352d31322d30345430303a30303a30302b30313a3030227d2c22686973746f7279223a5b7b22746f223a227265636569766564222c226174223a22323032352d31312d30335430383a33303a30305a227d2c7b2266726f6d223a227265636569766564222c22746f223a227665726966696564222c226174223a22323032352d31312d30335430383a33303a30305a227d2c7b2266726f6d223a227665726966696564222c22746f223a22636f6d706c65746564222c226174223a22323032352d31312d30345431303a33303a30305a222c22726561736f6e223a224175736b756e66742065727465696c74227d5d7d');
INSERT INTO frist_fixture_v4.frist_requests VALUES ('01a23c07-6113-7d6f-adc8-d255401d18aa', 'KD-2025-771345', 'erasure', 'refused', true, '2025-11-03 10:30:00+00', '2025-12-03 23:00:00+00', 2, '\x7b226964223a2230316132336330372d363131332d376436662d616463382d643235353430316431386161222c226b696e64223a2265726173757265222c227375626a656374223a224b442d323032352d373731333435222c2272656365697665645f6174223a22323032352d31312d30335431303a33303a30305a222c227374617465223a2272656675736564222c22646561646c696e65223a7b2266726f6d223a22323032352d31312d3033222c226d6f6e746873223a312c226e6f6d696e616c223a22323032352d31322d3033222c2264617465223a22323032352d31322d3033222c22656e64223a22323032352d31322d30345430303a30303a30302b30313a3030227d2c22686973746f7279223a5b7b22746f223a227265636569766564222c226174223a22323032352d31312d30335431303a33303a30305a227d2c7b2266726f6d223a227265636569766564222c22746f223a2272656675736564222c226174223a22323032352d31312d30345431303a33303a30305a222c22726561736f6e223a224172742e2031312832292c20313228322920616e6420313228362920474450523a20746865206964656e74697479206f66207468652072657175657374657220636f756c64206e6f742062652065737461626c6973686564227d5d7d');
INSERT INTO frist_fixture_v4.frist_requests VALUES ('01a23c07-6118-7098-a3f7-d4290000418e', 'KD-2025-990021', 'access', 'verified', false, '2025-11-04 10:30:00+00', '2025-12-04 23:00:00+00', 2, '\x7b226964223a2230316132336330372d363131382d373039382d613366372d643432393030303034313865222c226b696e64223a22616363657373222c227375626a656374223a224b442d323032352d393930303231222c2272656365697665645f6174223a22323032352d31312d30345431303a33303a30305a222c227374617465223a227665726966696564222c22646561646c696e65223a7b2266726f6d223a22323032352d31312d3034222c226d6f6e746873223a312c226e6f6d696e616c223a22323032352d31322d3034222c2264617465223a22323032352d31322d3034222c22656e64223a22323032352d31322d30355430303a30303a30302b30313a3030227d2c22686973746f7279223a5b7b22746f223a227265636569766564222c226174223a22323032352d31312d30345431303a33303a30305a227d2c7b2266726f6d223a227265636569766564222c22746f223a227665726966696564222c226174223a22323032352d31312d30345431303a33303a30305a227d5d7d');


--
-- Data for Name: frist_schema_version; Type: TABLE DATA; Schema: frist_fixture_v4; Owner: -
--

INSERT INTO frist_fixture_v4.frist_schema_version VALUES (1, 'holds, audit log with head, leases');
INSERT INTO frist_fixture_v4.frist_schema_version VALUES (2, 'consent ledger');
INSERT INTO frist_fixture_v4.frist_schema_version VALUES (3, 'data-subject requests and objections');
INSERT INTO frist_fixture_v4.frist_schema_version VALUES (4, 'remembered retention events');


--
-- Name: access_log access_log_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.access_log
    ADD CONSTRAINT access_log_pkey PRIMARY KEY (id);


--
-- Name: appointments appointments_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.appointments
    ADD CONSTRAINT appointments_pkey PRIMARY KEY (id);


--
-- Name: frist_audit_head frist_audit_head_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_audit_head
    ADD CONSTRAINT frist_audit_head_pkey PRIMARY KEY (id);


--
-- Name: frist_audit frist_audit_id_key; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_audit
    ADD CONSTRAINT frist_audit_id_key UNIQUE (id);


--
-- Name: frist_audit frist_audit_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_audit
    ADD CONSTRAINT frist_audit_pkey PRIMARY KEY (seq);


--
-- Name: frist_consent_events frist_consent_events_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_consent_events
    ADD CONSTRAINT frist_consent_events_pkey PRIMARY KEY (id);


--
-- Name: frist_holds frist_holds_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_holds
    ADD CONSTRAINT frist_holds_pkey PRIMARY KEY (id);


--
-- Name: frist_leases frist_leases_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_leases
    ADD CONSTRAINT frist_leases_pkey PRIMARY KEY (name);


--
-- Name: frist_objections frist_objections_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_objections
    ADD CONSTRAINT frist_objections_pkey PRIMARY KEY (id);


--
-- Name: frist_pending_events frist_pending_events_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_pending_events
    ADD CONSTRAINT frist_pending_events_pkey PRIMARY KEY (id);


--
-- Name: frist_requests frist_requests_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_requests
    ADD CONSTRAINT frist_requests_pkey PRIMARY KEY (id);


--
-- Name: frist_schema_version frist_schema_version_pkey; Type: CONSTRAINT; Schema: frist_fixture_v4; Owner: -
--

ALTER TABLE ONLY frist_fixture_v4.frist_schema_version
    ADD CONSTRAINT frist_schema_version_pkey PRIMARY KEY (version);


--
-- Name: access_log_requested_at; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX access_log_requested_at ON frist_fixture_v4.access_log USING btree (requested_at);


--
-- Name: appointments_booked_at; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX appointments_booked_at ON frist_fixture_v4.appointments USING btree (booked_at);


--
-- Name: appointments_citizen_id; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX appointments_citizen_id ON frist_fixture_v4.appointments USING btree (citizen_id);


--
-- Name: appointments_starts_at; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX appointments_starts_at ON frist_fixture_v4.appointments USING btree (starts_at);


--
-- Name: frist_consent_events_reference; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE UNIQUE INDEX frist_consent_events_reference ON frist_fixture_v4.frist_consent_events USING btree (reference) WHERE (reference <> ''::text);


--
-- Name: frist_consent_events_subject; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX frist_consent_events_subject ON frist_fixture_v4.frist_consent_events USING btree (subject, purpose, at, id);


--
-- Name: frist_holds_record; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX frist_holds_record ON frist_fixture_v4.frist_holds USING btree (dataset, record_key);


--
-- Name: frist_holds_subject; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX frist_holds_subject ON frist_fixture_v4.frist_holds USING btree (subject);


--
-- Name: frist_objections_subject; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX frist_objections_subject ON frist_fixture_v4.frist_objections USING btree (subject, at, id);


--
-- Name: frist_requests_due; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX frist_requests_due ON frist_fixture_v4.frist_requests USING btree (is_final, due_at, id);


--
-- Name: frist_requests_subject; Type: INDEX; Schema: frist_fixture_v4; Owner: -
--

CREATE INDEX frist_requests_subject ON frist_fixture_v4.frist_requests USING btree (subject, due_at, id);


--
-- PostgreSQL database dump complete
--


