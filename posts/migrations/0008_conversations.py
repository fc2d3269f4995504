"""Conversations: replies and threads, tags, mentions, likes, boosts, bookmarks, notifications."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0010_user_unread_activity_count'),
        ('posts', '0007_counter_triggers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Tag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=64, verbose_name='name')),
                ('key', models.CharField(editable=False, max_length=64, unique=True, verbose_name='key')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='first used at')),
            ],
            options={
                'verbose_name': 'tag',
                'verbose_name_plural': 'tags',
            },
        ),
        migrations.AddField(
            model_name='post',
            name='conversation',
            field=models.BigIntegerField(blank=True, editable=False, null=True, verbose_name='conversation'),
        ),
        migrations.AddField(
            model_name='post',
            name='in_reply_to',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='replies', to='posts.post', verbose_name='in reply to'),
        ),
        migrations.CreateModel(
            name='Bookmark',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='posts.post', verbose_name='post')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'bookmark',
                'verbose_name_plural': 'bookmarks',
            },
        ),
        migrations.CreateModel(
            name='Boost',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='posts.post', verbose_name='post')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'boost',
                'verbose_name_plural': 'boosts',
            },
        ),
        migrations.CreateModel(
            name='Like',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='posts.post', verbose_name='post')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'like',
                'verbose_name_plural': 'likes',
            },
        ),
        migrations.CreateModel(
            name='Activity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('follow', 'followed you'), ('like', 'liked your post'), ('boost', 'boosted your post'), ('reply', 'replied to your post'), ('mention', 'mentioned you')], max_length=10, verbose_name='kind')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                ('follow', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.follow')),
                ('post', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='posts.post', verbose_name='post')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                ('boost', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='posts.boost')),
                ('like', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='posts.like')),
            ],
            options={
                'verbose_name': 'notification',
                'verbose_name_plural': 'notifications',
            },
        ),
        migrations.CreateModel(
            name='Mention',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mentions', to='posts.post', verbose_name='post')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'mention',
                'verbose_name_plural': 'mentions',
            },
        ),
        migrations.CreateModel(
            name='Tagging',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='posted at')),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='taggings', to='posts.post', verbose_name='post')),
                ('tag', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='taggings', to='posts.tag', verbose_name='tag')),
            ],
            options={
                'verbose_name': 'tagging',
                'verbose_name_plural': 'taggings',
            },
        ),
        # State only: a ManyToManyField through Tagging has no column, but SQLite's schema
        # editor would rebuild posts_post for it (copying every row and dropping the
        # table's triggers: the search index, the post count).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='post',
                    name='tags',
                    field=models.ManyToManyField(blank=True, related_name='posts', through='posts.Tagging', to='posts.tag', verbose_name='tags'),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(condition=models.Q(('conversation__isnull', True)), fields=['author', '-created_at'], name='post_author_first_posts'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(condition=models.Q(('conversation__isnull', False)), fields=['conversation'], name='post_conversation'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(condition=models.Q(('in_reply_to__isnull', False)), fields=['in_reply_to'], name='post_in_reply_to'),
        ),
        migrations.AddIndex(
            model_name='bookmark',
            index=models.Index(fields=['user', '-created_at'], name='bookmark_user_created'),
        ),
        migrations.AddConstraint(
            model_name='bookmark',
            constraint=models.UniqueConstraint(fields=('user', 'post'), name='bookmark_once'),
        ),
        migrations.AddIndex(
            model_name='boost',
            index=models.Index(fields=['user', '-created_at'], name='boost_user_created'),
        ),
        migrations.AddIndex(
            model_name='boost',
            index=models.Index(fields=['post', '-created_at'], name='boost_post_created'),
        ),
        migrations.AddConstraint(
            model_name='boost',
            constraint=models.UniqueConstraint(fields=('user', 'post'), name='boost_once'),
        ),
        migrations.AddIndex(
            model_name='like',
            index=models.Index(fields=['post', '-created_at'], name='like_post_created'),
        ),
        migrations.AddConstraint(
            model_name='like',
            constraint=models.UniqueConstraint(fields=('user', 'post'), name='like_once'),
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(fields=['recipient', '-created_at'], name='activity_recipient_created'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.UniqueConstraint(condition=models.Q(('kind__in', ['reply', 'mention'])), fields=('recipient', 'post'), name='activity_post_once'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(('recipient', models.F('actor')), _negated=True), name='activity_not_self'),
        ),
        migrations.AddConstraint(
            model_name='mention',
            constraint=models.UniqueConstraint(fields=('post', 'user'), name='mention_once'),
        ),
        migrations.AddIndex(
            model_name='tagging',
            index=models.Index(fields=['tag', '-created_at'], name='tagging_tag_created'),
        ),
        migrations.AddIndex(
            model_name='tagging',
            index=models.Index(fields=['-created_at'], name='tagging_created'),
        ),
        migrations.AddConstraint(
            model_name='tagging',
            constraint=models.UniqueConstraint(fields=('post', 'tag'), name='tag_post_once'),
        ),
    ]
