//! The [`crate::storage::Storage`] implementation both backends share: every method but the ones a
//! backend writes itself (closing, and recording a visit batch) delegates to the shared SQL modules.

/// `impl Storage for $storage { <the backend's own methods> <the shared ones> }`.
macro_rules! storage_impl {
    ($storage:ty, { $($own:item)* }) => {
        #[async_trait::async_trait]
        impl crate::storage::Storage for $storage {
            $($own)*

            async fn ping(&self) -> StorageResult<()> {
                sqlx::query("SELECT 1")
                    .execute(&self.pool)
                    .await
                    .map(|_| ())
                    .map_err(backend)
            }

            async fn ip_salt(&self) -> StorageResult<Vec<u8>> {
                let row = sqlx::query("SELECT value FROM meta WHERE name = 'ip_salt'")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(backend)?;
                row.try_get::<Vec<u8>, _>(0).map_err(backend)
            }

            async fn create_program(
                &self,
                public_id: &str,
                kind: ProgramKind,
                settings: &ProgramSettings,
                key_prefix: &str,
                key_hash: &str,
            ) -> StorageResult<Program> {
                programs::create(self, public_id, kind, settings, key_prefix, key_hash).await
            }

            async fn program_by_public_id(&self, public_id: &str) -> StorageResult<Option<Program>> {
                programs::by_public_id(self, public_id).await
            }

            async fn program_by_key_hash(&self, key_hash: &str) -> StorageResult<Option<Program>> {
                programs::by_key_hash(self, key_hash).await
            }

            async fn update_program_settings(
                &self,
                program_id: i64,
                settings: &ProgramSettings,
            ) -> StorageResult<Program> {
                programs::update_settings(self, program_id, settings).await
            }

            async fn add_api_key(
                &self,
                program_id: i64,
                key_prefix: &str,
                key_hash: &str,
            ) -> StorageResult<()> {
                programs::add_key(self, program_id, key_prefix, key_hash).await
            }

            async fn revoke_api_keys(&self, key_hash: &str, key_prefix: &str) -> StorageResult<u64> {
                programs::revoke_keys(self, key_hash, key_prefix).await
            }

            async fn create_customer(
                &self,
                program: &Program,
                customer: NewCustomer,
                source: Source,
            ) -> StorageResult<CustomerOutcome> {
                let locks: Vec<crate::storage::key_locks::KeyLock<'_>> = customer
                    .key
                    .as_deref()
                    .map(|key| crate::storage::key_locks::KeyLock::Customer(program.id, key))
                    .into_iter()
                    .collect();
                let mut tx = self.begin_write_locked(&locks).await?;
                let outcome = customers::create(&mut tx, program, customer, source, "").await?;
                tx.commit().await.map_err(backend)?;
                Ok(outcome)
            }

            async fn customer(
                &self,
                program_id: i64,
                lookup: &CustomerLookup,
            ) -> StorageResult<Option<Customer>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                customers::find(&mut conn, program_id, lookup).await
            }

            async fn customer_by_email(
                &self,
                program_id: i64,
                email: &str,
            ) -> StorageResult<Option<Customer>> {
                customers::by_email(&self.pool, program_id, email).await
            }

            async fn update_customer(
                &self,
                program_id: i64,
                lookup: &CustomerLookup,
                update: &CustomerUpdate,
            ) -> StorageResult<Customer> {
                customers::update(self, program_id, lookup, update).await
            }

            async fn delete_customer(&self, program_id: i64, lookup: &CustomerLookup) -> StorageResult<()> {
                customers::delete(self, program_id, lookup).await
            }

            async fn list_customers(
                &self,
                program_id: i64,
                filter: &CustomerFilter,
                page: PageRequest,
            ) -> StorageResult<Paged<Customer>> {
                customers::list(&self.pool, program_id, filter, page).await
            }

            async fn customer_stats(
                &self,
                program_id: i64,
                customer: &Customer,
            ) -> StorageResult<CustomerStats> {
                customers::stats(&self.pool, program_id, customer).await
            }

            async fn balance(&self, program_id: i64, customer: &Customer) -> StorageResult<Balance> {
                customers::balance(&self.pool, program_id, customer.row_id).await
            }

            async fn credit_pending_rewards(
                &self,
                program_id: i64,
                customer: &Customer,
                ids: Option<&[i64]>,
            ) -> StorageResult<Balance> {
                customers::credit_rewards(self, program_id, customer, ids).await
            }

            async fn credit_balance(
                &self,
                program_id: i64,
                customer: &Customer,
                amount_minor: i64,
                amount_units: &str,
                is_currency: bool,
            ) -> StorageResult<Balance> {
                customers::credit(
                    self,
                    program_id,
                    customer,
                    amount_minor,
                    amount_units,
                    is_currency,
                )
                .await
            }

            async fn create_transactions(
                &self,
                program: &Program,
                transactions: Vec<NewTransaction>,
                source: Source,
            ) -> StorageResult<Vec<TransactionOutcome>> {
                transactions::create_batch(self, program, transactions, source).await
            }

            async fn transaction(
                &self,
                program_id: i64,
                key: &str,
            ) -> StorageResult<Option<TransactionRecord>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                transactions::find(&mut conn, program_id, key).await
            }

            async fn list_transactions(
                &self,
                program_id: i64,
                filter: &TransactionFilter,
                page: PageRequest,
            ) -> StorageResult<Paged<TransactionRecord>> {
                transactions::list(&self.pool, program_id, filter, page).await
            }

            async fn refund_transaction(
                &self,
                program_id: i64,
                key: &str,
            ) -> StorageResult<TransactionRecord> {
                transactions::refund(self, program_id, key).await
            }

            async fn set_transaction_archived(
                &self,
                program_id: i64,
                key: &str,
                archived: bool,
            ) -> StorageResult<TransactionRecord> {
                transactions::set_archived(self, program_id, key, archived).await
            }

            async fn create_webhook(
                &self,
                program_id: i64,
                webhook: &crate::webhooks::NewWebhook,
                max: usize,
            ) -> StorageResult<crate::webhooks::Webhook> {
                webhooks::create(self, program_id, webhook, max).await
            }

            async fn webhooks(&self, program_id: i64) -> StorageResult<Vec<crate::webhooks::Webhook>> {
                webhooks::list(&self.pool, program_id).await
            }

            async fn webhook(
                &self,
                program_id: i64,
                key: &str,
            ) -> StorageResult<Option<crate::webhooks::Webhook>> {
                webhooks::by_key(&self.pool, program_id, key).await
            }

            async fn update_webhook(
                &self,
                program_id: i64,
                key: &str,
                update: &crate::webhooks::WebhookUpdate,
            ) -> StorageResult<crate::webhooks::Webhook> {
                webhooks::update(self, program_id, key, update).await
            }

            async fn delete_webhook(&self, program_id: i64, key: &str) -> StorageResult<()> {
                webhooks::delete(self, program_id, key).await
            }

            async fn webhook_deliveries(
                &self,
                webhook_row_id: i64,
                page: PageRequest,
            ) -> StorageResult<Paged<crate::webhooks::Delivery>> {
                webhooks::deliveries(&self.pool, webhook_row_id, page).await
            }

            async fn replay_delivery(
                &self,
                webhook_row_id: i64,
                message_id: &str,
            ) -> StorageResult<crate::webhooks::Delivery> {
                webhooks::replay(self, webhook_row_id, message_id).await
            }

            async fn claim_deliveries(
                &self,
                now: time::OffsetDateTime,
                lease: Duration,
                limit: u32,
            ) -> StorageResult<Vec<crate::webhooks::ClaimedDelivery>> {
                webhooks::claim(self, now, lease, limit).await
            }

            async fn finish_delivery(
                &self,
                claim: &crate::webhooks::ClaimedDelivery,
                outcome: &crate::webhooks::AttemptOutcome,
            ) -> StorageResult<bool> {
                webhooks::finish(self, claim, outcome).await
            }
        }
    };
}
pub(crate) use storage_impl;
